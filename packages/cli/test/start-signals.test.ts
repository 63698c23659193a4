import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, waitUntilClosed } from './ports.ts';
import { cliArgs, repo } from './serve-process.ts';

/** How long a supervisor would wait for a clean stop before it gives up. */
const STOP_BOUND_MS = 30_000;

/** Process groups of the `pnpm start` runs, each led by its pnpm process. */
const groups: number[] = [];
const dirs: string[] = [];

afterEach(() => {
  // A failed test must not leave a server behind holding its port or data directory.
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // the whole group is gone already
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * The environment a supervisor would give `pnpm start`: the data directory and port set through
 * TOKENWATCH_* variables, and an empty config file so no tokenwatch.yaml in the clone is read.
 */
function startEnv(dir: string, port: number): NodeJS.ProcessEnv {
  const configFile = join(dir, 'tokenwatch.yaml');
  writeFileSync(configFile, '');
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TOKENWATCH_')),
  );
  return {
    ...inherited,
    TOKENWATCH_CONFIG: configFile,
    TOKENWATCH_DATA_DIR: join(dir, 'data'),
    TOKENWATCH_PORT: String(port),
  };
}

/** Polls /readyz until it answers 200; fails at once if the process ends first. */
async function waitReady(child: ChildProcess, url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`pnpm start exited early: ${log()}`);
    const status = await fetch(`${url}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`pnpm start never became ready: ${log()}`);
}

/** One LLM-call span as OTLP/JSON, as an instrumented agent would send it. */
function otlpRequest(spanId: string): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: {
          attributes: [{ key: 'service.name', value: { stringValue: 'start-signals' } }],
        },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: [
              {
                traceId: `${spanId}${spanId}`,
                spanId,
                name: 'chat gpt-4o-mini',
                kind: 3,
                startTimeUnixNano: now.toString(),
                endTimeUnixNano: (now + 1_000_000n).toString(),
                attributes: [
                  { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                  { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
                  { key: 'gen_ai.usage.input_tokens', value: { intValue: '123' } },
                  { key: 'gen_ai.usage.output_tokens', value: { intValue: '45' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
}

/** Runs the CLI to completion with the given environment. */
function tokenwatch(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...cliArgs, ...args], {
    cwd: repo,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('pnpm start', () => {
  it.each([
    {
      how: 'SIGTERM to the pnpm process',
      signal: 'SIGTERM',
      group: false,
      spanId: 'a1a1a1a1a1a1a1a1',
    },
    {
      how: 'SIGINT to the pnpm process',
      signal: 'SIGINT',
      group: false,
      spanId: 'b2b2b2b2b2b2b2b2',
    },
    // A terminal's Ctrl-C: every process of the foreground group gets SIGINT, and the server gets
    // pnpm's forwarded copy too. The test sends the group a second SIGINT once the server is
    // draining, so the copy arriving mid-drain (a timing race otherwise) happens every run.
    {
      how: 'SIGINT to the process group, twice',
      signal: 'SIGINT',
      group: true,
      spanId: 'c3c3c3c3c3c3c3c3',
    },
  ] as const)(
    'stops the server on $how: drained, port and store freed',
    async ({ signal, group, spanId }) => {
      const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-start-'));
      dirs.push(dir);
      const port = await freePort();
      const env = startEnv(dir, port);
      // Exactly what a user or a supervisor runs: `pnpm start` from the repository root. Its own
      // process group lets the Ctrl-C case signal the group, and the cleanup kill any leftover.
      const child = spawn('pnpm', ['start'], {
        cwd: repo,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      groups.push(child.pid!);
      let log = '';
      let draining = false;
      const onLog = (chunk: Buffer) => {
        log += chunk.toString();
        if (group && !draining && log.includes('shutting down')) {
          draining = true;
          process.kill(-child.pid!, signal);
        }
      };
      child.stdout!.on('data', onLog);
      child.stderr!.on('data', onLog);
      const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.once('exit', (code, sig) => resolve({ code, signal: sig })),
      );

      const url = `http://127.0.0.1:${port}`;
      await waitReady(child, url, () => log);
      const posted = await fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: otlpRequest(spanId),
      });
      expect(posted.status).toBe(200);

      // A supervisor signals only the process it started; a terminal signals the whole group.
      process.kill(group ? -child.pid! : child.pid!, signal);
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), STOP_BOUND_MS).unref(),
      );
      expect(await Promise.race([exit, timeout])).toEqual({ code: 0, signal: null });
      expect(log).toContain(`tokenwatch: ${signal}, shutting down`);

      // Nothing orphaned keeps listening, and the server removed its record on the way out.
      expect(await waitUntilClosed(port, STOP_BOUND_MS)).toBe('ECONNREFUSED');
      expect(existsSync(join(dir, 'data', 'server.json'))).toBe(false);

      // A new process opens the store itself (the engine's lock is free) and finds the span.
      const read = await tokenwatch(
        env,
        'sql',
        `SELECT service, input_tokens, output_tokens FROM llm_calls FINAL WHERE span_id = '${spanId}'`,
        '--format',
        'json',
      );
      expect(read.stderr).toBe('');
      expect(read.code).toBe(0);
      expect(JSON.parse(read.stdout)).toEqual([
        { service: 'start-signals', input_tokens: '123', output_tokens: '45' },
      ]);
    },
  );
});
