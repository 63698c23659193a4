/**
 * Instrumentation overhead per LLM call: no instrumentation, a hand-made OTel span (the floor),
 * Tokenwatch (explicit provider, and `register()` with its OTLP/HTTP exporter), OpenLLMetry and
 * OpenInference, on the real OpenAI and Anthropic SDKs.
 *
 *   node --conditions=@tokenwatch/source --import tsx packages/conformance/bench/overhead.bench.ts
 *
 * Each contender runs on each API in a child process of its own (overhead-child.ts). Two
 * measurements per child:
 * - in process: the SDK's `fetch` option answers with a response recorded once from the fake
 *   provider, so the call costs only SDK + instrumentation; "added" is the difference to `none`;
 * - HTTP: the same calls to the fake provider on 127.0.0.1, which this process serves (as a remote
 *   provider would, its work is not in the child's CPU time).
 * All instrumented contenders but `tokenwatch-register` export through a BatchSpanProcessor
 * (defaults, but a queue with room for a whole run) into a counting exporter; `register()` exports
 * OTLP/JSON to a sink here.
 * Every run checks that each call produced exactly one exported span.
 *
 * Environment: BENCH_QUICK=1 (a smoke run), BENCH_RUNS (timed runs per process), BENCH_ROUNDS
 * (processes per contender, interleaved; default 1), BENCH_ITERATIONS / BENCH_WARM_UP (in
 * process), BENCH_HTTP_ITERATIONS, BENCH_SCENARIOS and BENCH_CONTENDERS (comma lists),
 * BENCH_CPU_PROF=DIR (write a V8 CPU profile per child into DIR).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeLlm } from '@tokenwatch/fake-llm';
import type { Job, JobResult } from './overhead-child.ts';
import { CONTENDERS_BY_SCENARIO, type ContenderName } from './overhead-contenders.ts';
import type { Plan } from './overhead-measure.ts';
import { type Measured, printScenario, printSummary } from './overhead-report.ts';
import { SCENARIOS, type ScenarioName } from './overhead-requests.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RUNS = env('BENCH_RUNS', QUICK ? 3 : 5);
const ROUNDS = env('BENCH_ROUNDS', 1);
const WARM_UP = env('BENCH_WARM_UP', QUICK ? 2_000 : 10_000);
const ITERATIONS = env('BENCH_ITERATIONS', QUICK ? 2_000 : 8_000);
const HTTP_ITERATIONS = env('BENCH_HTTP_ITERATIONS', QUICK ? 200 : 400);
/** A streamed call costs about 2.5 plain calls: fewer of them keep the runtime in bounds. */
const WEIGHT: Partial<Record<ScenarioName, number>> = { 'openai-chat-stream': 0.4 };

function plans(scenario: ScenarioName): { inProcess: Plan; http: Plan } {
  const weight = WEIGHT[scenario] ?? 1;
  const scaled = (n: number) => Math.max(1, Math.round(n * weight));
  return {
    inProcess: { warmUp: scaled(WARM_UP), iterations: scaled(ITERATIONS), runs: RUNS },
    http: { warmUp: HTTP_ITERATIONS, iterations: HTTP_ITERATIONS, runs: RUNS },
  };
}

function list<T extends string>(name: string, all: readonly T[]): T[] {
  const given = process.env[name]?.split(',').map((item) => item.trim());
  if (!given) return [...all];
  const unknown = given.filter((item) => !all.includes(item as T));
  if (unknown.length > 0) throw new Error(`${name}: unknown ${unknown.join(', ')}`);
  return given as T[];
}

/** Receives `register()`'s OTLP/JSON exports and counts the spans in them. */
async function startSink(): Promise<{ server: Server; url: string; take(): number }> {
  let spans = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // Every span has exactly one "spanId" key; parents are "parentSpanId".
      spans += Buffer.concat(chunks).toString('utf8').split('"spanId":').length - 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return {
    server,
    url,
    take() {
      const taken = spans;
      spans = 0;
      return taken;
    },
  };
}

function runChild(job: Job, sinkUrl: string): Promise<JobResult> {
  const childPath = fileURLToPath(new URL('./overhead-child.ts', import.meta.url));
  const profileDir = process.env.BENCH_CPU_PROF;
  const profile = profileDir
    ? // One folder per child: the loader's worker thread writes a profile of its own.
      ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${job.scenario}.${job.contender}`)}`]
    : [];
  const child = spawn(
    process.execPath,
    [...process.execArgv, ...profile, childPath, JSON.stringify(job)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sinkUrl,
        OTEL_SERVICE_NAME: 'overhead-bench',
        // In process, calls come thousands per second, far above real LLM traffic: with the
        // default queue (2048) the OTLP/HTTP export of register() falls behind and the BSP drops
        // spans, which would make that contender look cheaper. Every BSP here gets room for a run.
        OTEL_BSP_MAX_QUEUE_SIZE: '65536',
      },
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${job.scenario}/${job.contender} exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as JobResult);
    });
  });
}

/** One contender's rounds as one result: all their runs, all their calls and spans. */
function merge(a: Measured, b: Measured): Measured {
  const counts =
    a.result.counts && b.result.counts
      ? {
          spans: a.result.counts.spans + b.result.counts.spans,
          withUsage: a.result.counts.withUsage + b.result.counts.withUsage,
          attributes: b.result.counts.attributes,
        }
      : undefined;
  return {
    ...a,
    exported: a.exported + b.exported,
    result: {
      inProcess: [...a.result.inProcess, ...b.result.inProcess],
      http: [...a.result.http, ...b.result.http],
      calls: a.result.calls + b.result.calls,
      counts,
      responsePieces: b.result.responsePieces,
      promises: b.result.promises,
    },
  };
}

async function main(): Promise<void> {
  const scenarios = list<ScenarioName>('BENCH_SCENARIOS', SCENARIOS);
  const contenders = list<ContenderName>('BENCH_CONTENDERS', [
    ...new Set(Object.values(CONTENDERS_BY_SCENARIO).flat()),
  ]);
  const fake = await startFakeLlm({
    recordRequests: false,
    // A cache hit, as an agent's repeated prefix gets in production.
    defaultReply: { usage: { uncachedInput: 1200, cacheRead: 800, output: 150 } },
  });
  const sink = await startSink();
  const started = Date.now();
  console.log(
    `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ` +
      `load average ${loadavg()[0]!.toFixed(2)} at start`,
  );
  console.log(
    `in process: ${WARM_UP} warm-up + ${RUNS} x ${ITERATIONS} timed calls (streams x0.4); ` +
      `HTTP: ${HTTP_ITERATIONS} warm-up + ${RUNS} x ${HTTP_ITERATIONS}; ${ROUNDS} round(s) of ` +
      'one process per contender; medians of runs',
  );
  const all: Measured[] = [];
  try {
    for (const scenario of scenarios) {
      const measured = new Map<ContenderName, Measured>();
      // Rounds interleave the contenders, so a burst of load from elsewhere hits them alike.
      for (let round = 0; round < ROUNDS; round++) {
        for (const contender of CONTENDERS_BY_SCENARIO[scenario]) {
          if (!contenders.includes(contender)) continue;
          sink.take();
          const job: Job = { contender, scenario, fakeUrl: fake.url, ...plans(scenario) };
          const result = await runChild(job, sink.url);
          const exported =
            result.counts?.spans ?? (contender === 'tokenwatch-register' ? sink.take() : 0);
          const entry = { scenario, contender, result, exported };
          const earlier = measured.get(contender);
          measured.set(contender, earlier ? merge(earlier, entry) : entry);
        }
      }
      printScenario(scenario, [...measured.values()]);
      all.push(...measured.values());
    }
  } finally {
    await fake.close();
    await new Promise((resolve) => sink.server.close(resolve));
  }
  printSummary(all);
  console.log(
    `\nfinished in ${((Date.now() - started) / 1000).toFixed(0)} s, ` +
      `load average ${loadavg()[0]!.toFixed(2)} at end`,
  );
}

await main();
