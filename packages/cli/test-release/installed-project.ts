import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Repository root. */
export const repo = resolve(import.meta.dirname, '../../..');
/** Where `pnpm release:pack` writes the tarballs. */
export const releaseDir = join(repo, 'release');

/** The version of a third-party package the workspace tests with, so the install can use the cache. */
function workspaceVersion(name: string): string {
  // The SDKs are the instrumentation's dev dependencies; TypeScript and Node's types the root's.
  for (const dir of ['packages/instrumentation/node_modules', 'node_modules']) {
    const file = join(repo, dir, name, 'package.json');
    if (existsSync(file))
      return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  throw new Error(`${name} is not installed in the workspace`);
}

/** Builds and packs every public package (`pnpm release:pack`); returns the tarball paths. */
export async function packRelease(): Promise<string[]> {
  await run('pnpm', ['release:pack'], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
  return readdirSync(releaseDir)
    .filter((file) => file.endsWith('.tgz'))
    .map((file) => join(releaseDir, file));
}

/**
 * Makes an empty npm project outside the workspace and installs the tarballs into it, with the
 * SDKs an agent would have and TypeScript for the typed app. Only the public registry (or npm's
 * cache) serves the third-party packages: nothing resolves into the workspace.
 */
export async function installRelease(tarballs: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-install-'));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'my-agent', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  const extras = ['openai', '@anthropic-ai/sdk', 'typescript', '@types/node'].map(
    (name) => `${name}@${workspaceVersion(name)}`,
  );
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, ...extras],
    {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, npm_config_loglevel: 'error' },
    },
  );
  return dir;
}

/** The installed `tokenwatch` bin: a node script with a shebang, run directly. */
export function binPath(project: string): string {
  return join(project, 'node_modules/.bin/tokenwatch');
}

/** Runs the installed bin to completion. */
export async function tokenwatch(
  project: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  return run(binPath(project), args, {
    cwd: project,
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** A long-running child and what it printed so far. */
export type Running = { child: ChildProcess; out: () => string; err: () => string };

/** Starts a long-running child and resolves once its output matches `ready`. */
export function startUntil(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number },
): Promise<Running & { match: RegExpExecArray }> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready in time: ${out}\n${err}`));
    }, options.timeoutMs ?? 60_000);
    const check = () => {
      const match = options.ready.exec(`${out}\n${err}`);
      if (match) {
        clearTimeout(timer);
        resolveStart({ child, out: () => out, err: () => err, match });
      }
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      check();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      check();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before ready:\n${out}\n${err}`));
    });
  });
}

/** Sends a signal to exactly this process and resolves with its exit code and signal. */
export function stop(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolveStop) => {
    child.once('exit', (code, sig) => resolveStop({ code, signal: sig }));
    child.kill(signal);
  });
}

/** Runs `node <args>` in the project to completion; rejects with its output when it fails. */
export async function node(
  project: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, args, {
    cwd: project,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}
