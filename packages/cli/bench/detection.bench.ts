/**
 * Runaway detection latency: wall time from a runaway agent's first call to the alert arriving at
 * a webhook receiver, through the whole product.
 *
 *   node --conditions=@tokenwatch/source --import tsx packages/cli/bench/detection.bench.ts
 *
 * Starts `tokenwatch serve` (embedded store) with the alert engine on its default evaluation
 * interval and a burn-rate rule notifying a webhook receiver on 127.0.0.1. Backfills 75 minutes
 * of normal use (so every agent has its own baseline), then runs background agents and runaway
 * candidates at their normal rate through the official SDK and OTLP protobuf exporter, exporting
 * every 5 s like the SDK's batch span processor. The candidates turn runaway one after another
 * (staggered, so they meet the evaluation cycle at different phases) at BENCH_MULTIPLE x their rate.
 *
 * Knobs: BENCH_QUICK=1 (2 runaways), BENCH_RUNS, BENCH_MULTIPLE (5), BENCH_EVALUATE_EVERY (30s),
 * BENCH_EXPORT_DELAY_MS (5000), BENCH_STAGGER_MS (23000).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe, stopServe } from '../test/serve-process.ts';
import { type AgentProfile, AgentTraffic, backfillHistory } from './agent-traffic.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = Number(process.env.BENCH_RUNS ?? (QUICK ? 2 : 4));
const MULTIPLE = Number(process.env.BENCH_MULTIPLE ?? 5);
const EVALUATE_EVERY = process.env.BENCH_EVALUATE_EVERY ?? '30s';
const EXPORT_DELAY_MS = Number(process.env.BENCH_EXPORT_DELAY_MS ?? 5_000);
const STAGGER_MS = Number(process.env.BENCH_STAGGER_MS ?? 23_000);
const NORMAL_EVERY_MS = 5_000;
const GIVE_UP_MS = 240_000;
// The detector's defaults (anomalies section): the rate over 2 min and over 30 s must both be
// at least 3x the baseline.
const LONG_WINDOW_S = 120;
const RATIO = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const root = mkdtempSync(join(tmpdir(), 'tokenwatch-detection-bench-'));
const receiver = await startWebhookReceiver();
const configPath = join(root, 'tokenwatch.yaml');
writeFileSync(
  configPath,
  [
    'alerts:',
    `  evaluate_every: ${EVALUATE_EVERY}`,
    '  receivers:',
    '    - name: hook',
    '      type: webhook',
    `      url: ${receiver.url}/hook`,
    '  rules:',
    '    - name: runaway',
    '      kind: burn_rate_anomaly',
    '      severity: page',
    'anomalies:',
    '  entities: [agent]',
  ].join('\n'),
);
const serve = await startServe(join(root, 'data'), [], { TOKENWATCH_CONFIG: configPath });
const background: AgentProfile[] = Array.from({ length: 6 }, (_, i) => ({
  name: `worker-${i + 1}`,
  everyMs: NORMAL_EVERY_MS,
  inputTokens: 800 + 100 * i,
  outputTokens: 80,
}));
const candidates: AgentProfile[] = Array.from({ length: RUNS }, (_, i) => ({
  name: `runaway-${i + 1}`,
  everyMs: NORMAL_EVERY_MS,
  inputTokens: 3_000,
  outputTokens: 300,
}));

const setupStarted = Date.now();
const history = await backfillHistory(
  serve.url,
  'detection-bench',
  [...background, ...candidates],
  setupStarted - 75 * 60_000,
  setupStarted,
);
const traffic = new AgentTraffic({
  serveUrl: serve.url,
  serviceName: 'detection-bench',
  exportDelayMs: EXPORT_DELAY_MS,
});
for (const agent of [...background, ...candidates]) traffic.set(agent);
traffic.start();
console.error(
  `detection: ${history} past calls backfilled in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s; ` +
    `${RUNS} runaways at ${MULTIPLE}x, evaluate_every ${EVALUATE_EVERY}`,
);

type Run = { agent: string; startedAt: number; firstCall?: number; alertAt?: number };
const runs: Run[] = [];
const liveStarted = Date.now();
for (const [i, agent] of candidates.entries()) {
  await sleep(Math.max(0, liveStarted + 5_000 + i * STAGGER_MS - Date.now()));
  traffic.set({ ...agent, everyMs: NORMAL_EVERY_MS / MULTIPLE });
  runs.push({ agent: agent.name, startedAt: Date.now() });
}
const deadline = Date.now() + GIVE_UP_MS;
for (;;) {
  for (const run of runs) {
    run.firstCall ??= traffic.firstCallSinceSet(run.agent);
    const alert = receiver.alerts.find(
      (a) => a.status === 'firing' && a.labels.entity === `agent:${run.agent}`,
    );
    run.alertAt ??= alert?.at;
  }
  if (runs.every((r) => r.alertAt !== undefined) || Date.now() > deadline) break;
  await sleep(200);
}
const falseAlarms = receiver.alerts.filter(
  (a) => a.status === 'firing' && !String(a.labels.entity).startsWith('agent:runaway-'),
);
await traffic.stop();
await stopServe(serve.child);
await receiver.close();

const latencies: number[] = [];
console.log(
  '| runaway | started (s into live traffic) | first runaway call → alert at receiver (s) |',
);
console.log('| --- | --- | --- |');
for (const run of runs) {
  const latency =
    run.alertAt !== undefined && run.firstCall !== undefined
      ? (run.alertAt - run.firstCall) / 1000
      : undefined;
  if (latency !== undefined) latencies.push(latency);
  console.log(
    `| ${run.agent} | ${((run.startedAt - liveStarted) / 1000).toFixed(1)} | ${latency?.toFixed(1) ?? 'not detected'} |`,
  );
}
const floor = (LONG_WINDOW_S * (RATIO - 1)) / (MULTIPLE - 1);
console.log('');
console.log(
  `median ${latencies.length ? median(latencies).toFixed(1) : '-'} s, max ${latencies.length ? Math.max(...latencies).toFixed(1) : '-'} s ` +
    `over ${latencies.length}/${runs.length} runaways; false alarms: ${falseAlarms.length}`,
);
console.log(
  `bounds: a ${MULTIPLE}x runaway lifts the ${LONG_WINDOW_S} s window's rate to ${RATIO}x its baseline ` +
    `after ${floor.toFixed(0)} s of runaway traffic (window x (ratio - 1) / (multiple - 1)); ` +
    `then up to ${EXPORT_DELAY_MS / 1000} s export batch delay, up to ${EVALUATE_EVERY} until the next evaluation, ` +
    'plus ingest and the evaluation itself.',
);
if (latencies.length < runs.length || falseAlarms.length > 0) process.exitCode = 1;
