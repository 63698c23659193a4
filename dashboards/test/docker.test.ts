/**
 * Static checks of docker/: no Docker engine runs in the test environment, so the compose file,
 * Dockerfile and ClickHouse configuration are checked for what would break a `docker compose up`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLUGIN_VERSION } from '../src/index.ts';
import {
  clickhouseUser,
  compose,
  composeText,
  configEnvNames,
  DOCKER_DIR,
  REPO_DIR,
  read,
  volume,
} from './support/repo-files.ts';

const { services, volumes } = compose();
const dockerfile = read('docker', 'Dockerfile');

describe('compose.yaml', () => {
  it('runs ClickHouse, the collector and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['clickhouse', 'grafana', 'tokenwatch']);
  });

  it('pins every image to a version, never latest', () => {
    for (const [name, s] of Object.entries(services)) {
      const m = /^[\w./-]+(?::([\w.-]+))?(?:@sha256:[a-f0-9]{64})?$/.exec(s.image);
      expect(m, `${name}: ${s.image}`).not.toBeNull();
      expect(m![1], `${name} has no tag`).toBeDefined();
      expect(m![1]).not.toBe('latest');
      // Pulled images carry a full release number; the collector's image is built here.
      if (!s.build) expect(m![1], name).toMatch(/^\d+\.\d+\.\d+/);
    }
    expect(services.clickhouse!.image).toMatch(/^clickhouse\/clickhouse-server:25\.\d+\.\d+\.\d+$/);
    expect(services.grafana!.image).toMatch(/^grafana\/grafana:12\.\d+\.\d+$/);
  });

  it('installs the ClickHouse plugin version the dashboards are written for', () => {
    expect(services.grafana!.environment.GF_INSTALL_PLUGINS).toBe(
      `grafana-clickhouse-datasource ${PLUGIN_VERSION}`,
    );
  });

  it('starts each service once what it needs is healthy', () => {
    expect(services.tokenwatch!.depends_on).toEqual({
      clickhouse: { condition: 'service_healthy' },
    });
    expect(services.grafana!.depends_on).toEqual({
      clickhouse: { condition: 'service_healthy' },
      tokenwatch: { condition: 'service_healthy' },
    });
    for (const [name, s] of Object.entries(services)) {
      expect(['CMD', 'CMD-SHELL'], name).toContain(s.healthcheck.test[0]);
    }
    // The collector is healthy once /readyz answers, i.e. the migrations are applied.
    expect(services.tokenwatch!.healthcheck.test.join(' ')).toContain(
      'http://127.0.0.1:4318/readyz',
    );
  });

  it('publishes the collector, Grafana, and ClickHouse on loopback only', () => {
    expect(services.tokenwatch!.ports).toEqual(['4318:4318']);
    expect(services.grafana!.ports).toEqual(['3000:3000']);
    expect(services.clickhouse!.ports).toEqual(['127.0.0.1:8123:8123']);
  });

  it('mounts files that exist in the repository, and declares its named volumes', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes.map(volume)) {
        if (v.source.startsWith('.')) {
          expect(existsSync(resolve(DOCKER_DIR, v.source)), `${name}: ${v.source}`).toBe(true);
          expect(v.readOnly, `${name}: ${v.source} should be read-only`).toBe(true);
        } else {
          expect(Object.keys(volumes), `${name}: volume ${v.source}`).toContain(v.source);
        }
      }
    }
    expect(services.clickhouse!.volumes).toContain('clickhouse-data:/var/lib/clickhouse');
    // The spool must survive a restart: what a 200 acknowledged may not have reached ClickHouse.
    const dataDir = services.tokenwatch!.environment.TOKENWATCH_DATA_DIR;
    expect(services.tokenwatch!.volumes).toContain(`tokenwatch-data:${dataDir}`);
  });

  it('configures the collector only with variables the config loader reads', () => {
    const read = configEnvNames();
    expect([...read].sort()).toEqual([
      'TOKENWATCH_API_KEYS',
      'TOKENWATCH_CLICKHOUSE_CLUSTER',
      'TOKENWATCH_CLICKHOUSE_URL',
      'TOKENWATCH_CONFIG',
      'TOKENWATCH_DATA_DIR',
      'TOKENWATCH_HOST',
      'TOKENWATCH_PORT',
    ]);
    const names = Object.keys(services.tokenwatch!.environment);
    for (const name of names) expect(read.has(name), name).toBe(true);
    for (const s of Object.values(services)) {
      for (const name of Object.keys(s.environment).filter((n) => n.startsWith('TOKENWATCH_'))) {
        expect(read.has(name), name).toBe(true);
      }
    }
    expect(names).toEqual(
      expect.arrayContaining(['TOKENWATCH_CLICKHOUSE_URL', 'TOKENWATCH_API_KEYS']),
    );
    expect(services.tokenwatch!.command).toEqual(['serve', '--host', '0.0.0.0']);
    expect(services.tokenwatch!.environment.TOKENWATCH_PORT).toBe('4318');
  });

  it('points the collector at the ClickHouse service as the database owner', () => {
    const url = new URL(
      services.tokenwatch!.environment.TOKENWATCH_CLICKHOUSE_URL!.replace(
        /\$\{(\w+)[^}]*\}/g,
        '$1',
      ),
    );
    expect(`${url.protocol}//${url.hostname}:${url.port}`).toBe('http://clickhouse:8123');
    const database = services.clickhouse!.environment.CLICKHOUSE_DB;
    expect(url.pathname).toBe(`/${database}`);
    const user = clickhouseUser(url.username);
    expect(user?.grants).toEqual([`GRANT ALL ON ${database}.*`]);
    expect(user?.profile).not.toMatch(/<readonly>/);
    // The password in the URL is the one ClickHouse reads for that user.
    expect(url.password).toBe(user?.passwordFromEnv);
    expect(services.clickhouse!.environment[url.password]).toBeDefined();
  });

  it('takes every secret from docker/.env, listed in .env.example', () => {
    const example = read('docker', '.env.example');
    const used = new Set([...composeText().matchAll(/\$\{(\w+)/g)].map((m) => m[1]!));
    expect([...used].sort()).toEqual([
      'CLICKHOUSE_GRAFANA_PASSWORD',
      'CLICKHOUSE_TOKENWATCH_PASSWORD',
      'GRAFANA_ADMIN_PASSWORD',
      'TOKENWATCH_API_KEYS',
    ]);
    for (const name of used) {
      expect(example, name).toMatch(new RegExp(`^${name}=$`, 'm'));
      // Required: compose refuses to start without it rather than using an empty password.
      expect(composeText()).toContain(`\${${name}:?`);
    }
    expect(read('docker', '.gitignore')).toMatch(/^\.env$/m);
  });
});

describe('Dockerfile', () => {
  const build = services.tokenwatch!.build!;

  it('is the one compose builds, from the repository root', () => {
    expect(resolve(DOCKER_DIR, build.context)).toBe(resolve(REPO_DIR));
    expect(resolve(DOCKER_DIR, build.context, build.dockerfile)).toBe(
      join(DOCKER_DIR, 'Dockerfile'),
    );
  });

  const stages = dockerfile.split(/^(?=FROM )/m).filter((part) => part.startsWith('FROM '));
  const [buildStage, runtime] = stages;

  it('builds in one stage and runs from a second, both a pinned Node 20 on glibc', () => {
    const from = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(from).toHaveLength(2);
    for (const image of from) expect(image).toMatch(/^node:20\.\d+\.\d+-bookworm-slim$/);
    expect(stages).toHaveLength(2);
  });

  it('builds with the pnpm of packageManager from the locked dependencies, then compiles', () => {
    const { packageManager } = JSON.parse(read('package.json')) as { packageManager: string };
    expect(packageManager).toMatch(/^pnpm@10\./);
    expect(buildStage).toContain(`RUN npm i -g ${packageManager}\n`);
    expect(buildStage).toMatch(/pnpm install --offline --frozen-lockfile/);
    const root = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(root.scripts.build).toBeDefined();
    expect(buildStage).toMatch(/&& pnpm build/);
    for (const m of buildStage!.matchAll(/^COPY (?!\. )(.+) \.\/$/gm)) {
      for (const file of m[1]!.split(' '))
        expect(existsSync(join(REPO_DIR, file)), file).toBe(true);
    }
  });

  it('ships the CLI package with production dependencies only, no pnpm, tsx or sources', () => {
    const cli = JSON.parse(read('packages', 'cli', 'package.json')) as {
      name: string;
      bin: Record<string, string>;
    };
    expect(buildStage).toContain(`pnpm --filter ${cli.name} deploy --prod`);
    expect(runtime).toMatch(/^COPY --from=build \/out \/opt\/tokenwatch$/m);
    expect(runtime).not.toMatch(/pnpm|tsx|@tokenwatch\/source/);
    // `tokenwatch` on the PATH is the package's bin, the compiled entry point.
    const bin = cli.bin.tokenwatch!.replace(/^\.\//, '');
    expect(runtime).toContain(`ln -s /opt/tokenwatch/${bin} /usr/local/bin/tokenwatch`);
  });

  it('runs `tokenwatch serve --host 0.0.0.0` as a non-root user, with a health check', () => {
    expect(runtime).toMatch(/^ENTRYPOINT \["tokenwatch"\]$/m);
    expect(runtime).toMatch(/^CMD \["serve", "--host", "0\.0\.0\.0"\]$/m);
    expect(runtime).toMatch(/^EXPOSE 4318$/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/readyz/m);
  });

  it('keeps dependencies and secrets out of the build context', () => {
    const ignore = read('docker', 'Dockerfile.dockerignore').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '.git', '**/.env']));
  });
});

describe('docker/README.md', () => {
  const readme = read('docker', 'README.md');

  it('covers the scale-out path', () => {
    expect(readme).toContain('tokenwatch migrate --cluster');
    expect(readme).toMatch(/load balancer/i);
    expect(readme).toMatch(/spool/);
    expect(readme).toMatch(/FINAL/);
    expect(readme).toMatch(/over-count/);
    expect(readme).toMatch(/one alert engine|single alert engine/i);
  });
});
