#!/usr/bin/env node
// Builds every package and writes one npm tarball per public package into ./release, with the
// workspace's `workspace:` and `catalog:` versions resolved (pnpm pack does that), then checks
// each tarball's manifest so a broken release fails here rather than in a user's `npm install`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'release');

/** The workspace's package folders, from pnpm itself (so a new package needs no edit here). */
function workspacePackages() {
  const listed = JSON.parse(
    execFileSync('pnpm', ['ls', '-r', '--depth', '-1', '--json'], { cwd: root, encoding: 'utf8' }),
  );
  return listed.map((p) => p.path).filter((dir) => dir !== root.replace(/\/$/, ''));
}

function run(cmd, args, cwd) {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
run('pnpm', ['build'], root);

const packed = [];
for (const dir of workspacePackages()) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  execFileSync('pnpm', ['pack', '--pack-destination', out], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  packed.push(manifest.name);
}

const problems = [];
for (const file of readdirSync(out).filter((f) => f.endsWith('.tgz'))) {
  const tarball = join(out, file);
  const text = execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], {
    encoding: 'utf8',
  });
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  if (/"(workspace|catalog):/.test(text))
    problems.push(`${file}: unresolved workspace: or catalog: version`);
  if (!listing.some((f) => f.startsWith('package/dist/'))) problems.push(`${file}: no dist/`);
  if (!listing.includes('package/LICENSE')) problems.push(`${file}: no LICENSE`);
  if (!listing.includes('package/README.md')) problems.push(`${file}: no README.md`);
  if (listing.some((f) => f.endsWith('.tsbuildinfo') || f.endsWith('.test.js'))) {
    problems.push(`${file}: build state or tests packed`);
  }
}
if (problems.length > 0) {
  console.error(`release:pack: ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`release:pack: ${packed.length} packages in ${relative(process.cwd(), out) || '.'}`);
for (const name of packed) console.log(`  ${name}`);
