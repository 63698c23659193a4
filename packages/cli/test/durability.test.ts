import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminSql, type ServeProcess, startServe, stopServe } from './serve-process.ts';

const SPANS_PER_REQUEST = 20;
const KILLS = 4;

let nextSpan = 1;

/** An OTLP/JSON request with LLM-call spans whose ids are unique across the whole test. */
function request(): { body: string; spanIds: string[] } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const traceId = (nextSpan * 7919).toString(16).padStart(32, 'a');
  const spans = Array.from({ length: SPANS_PER_REQUEST }, () => {
    const spanId = (nextSpan++).toString(16).padStart(16, '0');
    return {
      traceId,
      spanId,
      name: 'chat gpt-4o-mini',
      kind: 3,
      startTimeUnixNano: now.toString(),
      endTimeUnixNano: (now + 1_000_000n).toString(),
      attributes: [
        { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
        { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
        { key: 'gen_ai.usage.input_tokens', value: { intValue: '100' } },
        { key: 'gen_ai.usage.output_tokens', value: { intValue: '10' } },
      ],
    };
  });
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'durable' } }] },
        scopeSpans: [{ scope: { name: 'load' }, spans }],
      },
    ],
  });
  return { body, spanIds: spans.map((s) => s.spanId) };
}

/** Sends requests until the server stops answering; records the span ids of every 200. */
async function sendUntilDead(url: string, acknowledged: Set<string>): Promise<number> {
  let sent = 0;
  const worker = async () => {
    for (;;) {
      const { body, spanIds } = request();
      let status: number;
      try {
        status = (
          await fetch(`${url}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          })
        ).status;
      } catch {
        return; // the server is gone
      }
      sent++;
      if (status === 200) for (const id of spanIds) acknowledged.add(id);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return sent;
}

const sql = adminSql;

describe('durability', () => {
  it('keeps every acknowledged span exactly once through SIGKILLs at random moments', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-durability-'));
    const acknowledged = new Set<string>();
    let server: ServeProcess | undefined;
    for (let i = 0; i < KILLS; i++) {
      server = await startServe(dataDir);
      const sending = sendUntilDead(server.url, acknowledged);
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.random() * 1200));
      await stopServe(server.child, 'SIGKILL');
      const sent = await sending;
      expect(sent).toBeGreaterThan(0);
    }
    expect(acknowledged.size).toBeGreaterThan(0);

    // A last start replays what the killed processes left in the spool.
    server = await startServe(dataDir);
    try {
      // Wait for the replay: the spool is drained when the store holds what it acknowledged.
      let ids = new Set<string>();
      for (let attempt = 0; attempt < 600; attempt++) {
        ids = new Set(
          (await sql(dataDir, "SELECT span_id FROM llm_calls FINAL WHERE service = 'durable'")).map(
            (row) => row[0]!,
          ),
        );
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        if (
          /^tokenwatch_spool_lag_bytes 0$/m.test(metrics) &&
          [...acknowledged].every((id) => ids.has(id))
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const missing = [...acknowledged].filter((id) => !ids.has(id));
      expect(missing).toEqual([]);
      // Raw rows (no FINAL), the rollup and the raw spans all hold each span once.
      const [[raw, distinct, rollup, spans]] = (await sql(
        dataDir,
        `SELECT
          (SELECT count() FROM llm_calls WHERE service = 'durable'),
          (SELECT uniqExact(span_id) FROM llm_calls WHERE service = 'durable'),
          (SELECT sum(calls) FROM llm_usage_1m WHERE service = 'durable'),
          (SELECT count() FROM otel_traces WHERE ServiceName = 'durable')`,
      )) as [[string, string, string, string]];
      expect(Number(raw)).toBe(Number(distinct));
      expect(Number(rollup)).toBe(Number(raw));
      expect(Number(spans)).toBe(Number(raw));
      expect(Number(raw)).toBeGreaterThanOrEqual(acknowledged.size);
    } finally {
      await stopServe(server.child);
    }
  }, 240_000);
});
