/**
 * Latency of GET /api/v1/budgets/check, the endpoint the instrumentation's remote guard calls
 * before each LLM call: answered from the in-memory budget counter, never by a query.
 *
 *   node --conditions=@tokenwatch/source --import tsx analyzer/bench/budget-check.bench.ts
 *
 * Loads 20 budgets (org, per team, per agent) and 100k recorded calls into the analyzer in
 * process, then times the route through Hono's request handler (no network) and through a real
 * HTTP server on 127.0.0.1 (keep-alive), sequentially. Reports p50/p99 over BENCH_REQUESTS.
 */

import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { BudgetSchema, loadConfig } from '@tokenwatch/config';
import { LlmCallSchema } from '@tokenwatch/schema';
import { openTestStore } from '@tokenwatch/store/testing';
import { createAnalyzer } from '../src/analyzer.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);

const store = await openTestStore();
const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-bench-'));
const config = loadConfig({ cwd: dataDir, env: {}, flags: { dataDir } });
config.budgets = [
  BudgetSchema.parse({ id: 'org', period: 'monthly', limit_usd: 10_000 }),
  ...Array.from({ length: 9 }, (_, i) =>
    BudgetSchema.parse({
      id: `team-${i}`,
      scope: { team: `team-${i}` },
      period: 'daily',
      limit_usd: 100,
    }),
  ),
  ...Array.from({ length: 10 }, (_, i) =>
    BudgetSchema.parse({
      id: `agents-${i}`,
      per: 'agent',
      scope: { team: `team-${i % 9}` },
      period: 'rolling',
      window: '24h',
      limit_usd: 5,
    }),
  ),
];
const analyzer = createAnalyzer({ store: store.store, config });
const now = BigInt(Date.now()) * 1_000_000n;
analyzer.budgets.record(
  Array.from({ length: 100_000 }, (_, i) =>
    LlmCallSchema.parse({
      tenant: 'default',
      startTime: now - BigInt(i) * 1_000_000_000n,
      traceId: 'a'.repeat(32),
      spanId: i.toString(16).padStart(16, '0'),
      agent: `agent-${i % 200}`,
      team: `team-${i % 9}`,
      totalCost: '0.0001',
    }),
  ),
);

function percentiles(samples: number[]): { p50: string; p99: string } {
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { p50: `${(at(0.5) * 1000).toFixed(1)} µs`, p99: `${(at(0.99) * 1000).toFixed(1)} µs` };
}

const path = (i: number) => `/api/v1/budgets/check?agent=agent-${i % 200}&team=team-${i % 9}`;

// In process: the route itself.
for (let i = 0; i < 2000; i++) await analyzer.app.request(path(i));
const direct: number[] = [];
for (let i = 0; i < REQUESTS; i++) {
  const t0 = performance.now();
  const response = await analyzer.app.request(path(i));
  await response.arrayBuffer();
  direct.push(performance.now() - t0);
}

// Over HTTP on loopback, one keep-alive connection.
const server = createServer(getRequestListener(analyzer.app.fetch));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
for (let i = 0; i < 2000; i++) await (await fetch(base + path(i))).arrayBuffer();
const http: number[] = [];
for (let i = 0; i < REQUESTS; i++) {
  const t0 = performance.now();
  await (await fetch(base + path(i))).arrayBuffer();
  http.push(performance.now() - t0);
}
server.close();
await store.cleanup();

console.log(
  `Node ${process.version}, ${config.budgets.length} budgets, 100k recorded calls, ${REQUESTS} sequential requests`,
);
console.table({
  'route (in process)': percentiles(direct),
  'HTTP on 127.0.0.1': percentiles(http),
});
