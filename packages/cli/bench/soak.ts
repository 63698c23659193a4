/**
 * Soak: `tokenwatch serve` (embedded store) under steady realistic load for SOAK_MINUTES, its
 * memory sampled every 10 s; fails (exit 1) if memory is not flat or if a sent call is missing.
 *
 *   SOAK_MINUTES=10 node --conditions=@tokenwatch/source --import tsx packages/cli/bench/soak.ts
 *
 * Load: SOAK_AGENTS agents (20) each calling every SOAK_CALL_EVERY_MS (2,000 ms, so 10 calls/s)
 * through the official SDK and OTLP protobuf exporter (a batch every 5 s), the alert engine
 * evaluating a burn-rate rule and a budget rule every 30 s into a webhook receiver, a remote
 * budget check every 200 ms, and the analytics API (cost, tasks, cache, failures, anomalies,
 * budgets) every 10 s.
 *
 * Memory is flat when both hold: the least-squares slope of RSS over the second half is at most
 * SOAK_MAX_SLOPE_MIB_PER_MIN (5 MiB/min, i.e. 25 MiB over the second half of 10 minutes), and
 * the median RSS of the last minute is at most 1.2x the median of minutes 2-3 (the first minute
 * is warm-up). Runs shorter than 6 minutes report the slope without enforcing it: 10 s samples
 * of a noisy RSS over under 3 minutes cannot tell a leak from a garbage collection; a run
 * shorter than 4 minutes compares the last minute with what it has.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminSql, startServe, stopServe } from '../test/serve-process.ts';
import { AgentTraffic } from './agent-traffic.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const AGENTS = Number(process.env.SOAK_AGENTS ?? 20);
const CALL_EVERY_MS = Number(process.env.SOAK_CALL_EVERY_MS ?? 2_000);
const MAX_SLOPE = Number(process.env.SOAK_MAX_SLOPE_MIB_PER_MIN ?? 5);
// Below this the second half holds too few samples for the slope to mean anything.
const MIN_MINUTES_FOR_SLOPE = 6;
const MAX_GROWTH = 1.2;
const SAMPLE_EVERY_MS = 10_000;
const SERVICE = 'soak';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Resident set size of a process in MiB, from /proc. */
function rssMib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]) / 1024;
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const root = mkdtempSync(join(tmpdir(), 'tokenwatch-soak-'));
const dataDir = join(root, 'data');
const receiver = await startWebhookReceiver();
const configPath = join(root, 'tokenwatch.yaml');
writeFileSync(
  configPath,
  [
    'alerts:',
    '  receivers:',
    '    - name: hook',
    '      type: webhook',
    `      url: ${receiver.url}/hook`,
    '  rules:',
    '    - name: runaway',
    '      kind: burn_rate_anomaly',
    '      severity: page',
    '    - name: spend',
    '      kind: budget_threshold',
    '      severity: ticket',
    'budgets:',
    '  - id: org-daily',
    '    period: daily',
    '    limit_usd: 1000',
    '  - id: per-agent',
    '    per: agent',
    '    period: rolling',
    '    window: 1h',
    '    limit_usd: 50',
  ].join('\n'),
);
const serve = await startServe(dataDir, [], { TOKENWATCH_CONFIG: configPath });
const pid = serve.child.pid!;
const traffic = new AgentTraffic({
  serveUrl: serve.url,
  serviceName: SERVICE,
  exportDelayMs: 5_000,
});
for (let i = 0; i < AGENTS; i++) {
  traffic.set({
    name: `agent-${String(i + 1).padStart(2, '0')}`,
    everyMs: CALL_EVERY_MS,
    inputTokens: 500 + 97 * i,
    outputTokens: 50 + 7 * i,
  });
}

const api = { requests: 0, errors: 0 };
const get = async (path: string) => {
  api.requests++;
  try {
    const response = await fetch(`${serve.url}${path}`);
    await response.arrayBuffer();
    if (!response.ok) api.errors++;
  } catch {
    api.errors++;
  }
};
let running = true;
const checks = (async () => {
  for (let i = 0; running; i++) {
    await get(`/api/v1/budgets/check?agent=agent-${String((i % AGENTS) + 1).padStart(2, '0')}`);
    await sleep(200);
  }
})();
const analytics = (async () => {
  const paths = ['/cost?by=agent', '/tasks', '/cache', '/failures', '/anomalies', '/budgets'];
  while (running) {
    for (const path of paths) await get(`/api/v1${path}`);
    await sleep(10_000);
  }
})();

const started = Date.now();
const samples: { t: number; rss: number }[] = [{ t: 0, rss: rssMib(pid) }];
traffic.start();
console.error(
  `soak: ${MINUTES} min, ${AGENTS} agents x 1 call / ${CALL_EVERY_MS} ms, serve pid ${pid}`,
);
while (Date.now() - started < MINUTES * 60_000) {
  await sleep(SAMPLE_EVERY_MS - ((Date.now() - started) % SAMPLE_EVERY_MS));
  const sample = { t: (Date.now() - started) / 1000, rss: rssMib(pid) };
  samples.push(sample);
  console.error(`soak: ${sample.t.toFixed(0)} s  RSS ${sample.rss.toFixed(1)} MiB`);
}
running = false;
await traffic.stop();
await Promise.all([checks, analytics]);

// Sent = stored: every acknowledged call is in the store once the spool is drained.
const sql = async (query: string) => (await adminSql(dataDir, query))[0]!;
let stored = { raw: 0, calls: 0 };
for (let i = 0; i < 600; i++) {
  const metrics = await (await fetch(`${serve.url}/metrics`)).text();
  const [raw, calls] = await sql(
    `SELECT count(), uniqExact(span_id) FROM llm_calls WHERE service = '${SERVICE}'`,
  );
  stored = { raw: Number(raw), calls: Number(calls) };
  if (/^tokenwatch_spool_lag_bytes 0$/m.test(metrics) && stored.calls >= traffic.acknowledged)
    break;
  await sleep(200);
}
await stopServe(serve.child);
await receiver.close();

const half = samples.filter((s) => s.t >= (MINUTES * 60) / 2);
const slopePerMin = slope(half.map((s) => ({ x: s.t / 60, y: s.rss })));
const endS = samples.at(-1)!.t;
const lastMinute = median(samples.filter((s) => s.t > endS - 60).map((s) => s.rss));
const earlyFrom = Math.min(60, Math.max(0, endS - 60));
const early = median(
  samples.filter((s) => s.t >= earlyFrom && s.t <= Math.min(180, endS)).map((s) => s.rss),
);

console.log('| t (s) | RSS (MiB) |');
console.log('| --- | --- |');
for (const s of samples) console.log(`| ${s.t.toFixed(0)} | ${s.rss.toFixed(1)} |`);
console.log('');
console.log('| check | value | limit | result |');
console.log('| --- | --- | --- | --- |');
const rows: [string, string, string, boolean][] = [
  [
    'RSS slope, second half',
    `${slopePerMin.toFixed(2)} MiB/min`,
    MINUTES >= MIN_MINUTES_FOR_SLOPE
      ? `${MAX_SLOPE} MiB/min`
      : `not enforced under ${MIN_MINUTES_FOR_SLOPE} min`,
    MINUTES < MIN_MINUTES_FOR_SLOPE || slopePerMin <= MAX_SLOPE,
  ],
  [
    'last-minute median / minutes 2-3 median',
    `${lastMinute.toFixed(1)} / ${early.toFixed(1)} MiB = ${(lastMinute / early).toFixed(2)}x`,
    `${MAX_GROWTH}x`,
    lastMinute <= MAX_GROWTH * early,
  ],
  [
    'calls acknowledged = stored (distinct)',
    `${traffic.acknowledged} = ${stored.calls}`,
    'equal',
    traffic.acknowledged === stored.calls,
  ],
  [
    'stored rows without duplicates',
    `${stored.raw}`,
    `${stored.calls}`,
    stored.raw === stored.calls,
  ],
  ['API errors', `${api.errors} of ${api.requests}`, '0', api.errors === 0],
];
for (const [name, value, limit, ok] of rows)
  console.log(`| ${name} | ${value} | ${limit} | ${ok ? 'ok' : 'FAIL'} |`);
console.log(
  `\npeak RSS ${Math.max(...samples.map((s) => s.rss)).toFixed(1)} MiB; ` +
    `${traffic.failedExports} exports re-sent; alerts received ${receiver.alerts.length}`,
);
if (rows.some(([, , , ok]) => !ok)) process.exitCode = 1;
