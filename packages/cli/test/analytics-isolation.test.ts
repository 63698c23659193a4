import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServe, stopServe } from './serve-process.ts';

const QUERY_SECONDS = 30;

function spanRequest(i: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'busy-engine' } }] },
        scopeSpans: [
          {
            scope: { name: 'load' },
            spans: [
              {
                traceId: 'c'.repeat(30) + i.toString(16).padStart(2, '0'),
                spanId: (i + 1).toString(16).padStart(16, '0'),
                name: 'chat gpt-4o-mini',
                kind: 3,
                startTimeUnixNano: now.toString(),
                endTimeUnixNano: (now + 1_000_000n).toString(),
                attributes: [
                  { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                  { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
                  { key: 'gen_ai.usage.input_tokens', value: { intValue: '50' } },
                  { key: 'gen_ai.usage.output_tokens', value: { intValue: '5' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
}

describe('embedded engine under an analytics query', () => {
  it(`acknowledges ingest within 1 s while a ${QUERY_SECONDS}-second query holds the engine`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-busy-'));
    const server = await startServe(dataDir);
    try {
      const { token } = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as {
        token: string;
      };
      const sql = (query: string) =>
        fetch(`${server.url}/api/v1/admin/sql`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
      // The embedded engine runs one query at a time: this one holds it for the whole window.
      const started = Date.now();
      const longQuery = sql(
        `SELECT sum(sleepEachRow(1)) FROM numbers(${QUERY_SECONDS}) SETTINGS max_block_size = 1`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));

      // Proof that the engine is held: a trivial query waits for the long one.
      const probeStarted = Date.now();
      const probe = sql('SELECT 1').then(() => Date.now() - probeStarted);

      const latencies: number[] = [];
      for (let i = 0; Date.now() - started < (QUERY_SECONDS - 3) * 1000; i++) {
        const t0 = performance.now();
        const response = await fetch(`${server.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: spanRequest(i),
        });
        latencies.push(performance.now() - t0);
        expect(response.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const queryResponse = await longQuery;
      expect(await probe).toBeGreaterThan((QUERY_SECONDS - 5) * 1000);
      expect(queryResponse.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(QUERY_SECONDS * 1000 - 1000);
      expect(latencies.length).toBeGreaterThan(20);
      expect(Math.max(...latencies)).toBeLessThan(1000);

      // Everything acknowledged during the query reaches the store after it.
      let stored = 0;
      for (let attempt = 0; attempt < 50 && stored < latencies.length; attempt++) {
        const rows = (await (
          await sql("SELECT count() FROM llm_calls WHERE service = 'busy-engine'")
        ).json()) as {
          rows: string[][];
        };
        stored = Number(rows.rows[0]![0]);
        if (stored < latencies.length) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(stored).toBe(latencies.length);
    } finally {
      await stopServe(server.child);
    }
  }, 120_000);
});
