import type { LlmCall, Task } from '@tokenwatch/schema';
import type { OtelTraceRow } from './otel-rows.ts';

/** What one spool record holds: the store-ready data of one or more acknowledged requests. */
export type IngestBatch = { calls: LlmCall[]; tasks: Task[]; spans: OtelTraceRow[] };

type Encoded = {
  v: 1;
  calls: (Omit<LlmCall, 'startTime' | 'durationNs'> & { startTime: string; durationNs: string })[];
  tasks: (Omit<Task, 'startTime' | 'endTime' | 'updatedAt'> & {
    startTime: string;
    endTime: string;
    updatedAt: string;
  })[];
  spans: OtelTraceRow[];
};

/** Serializes a batch for the spool; nanosecond times (bigint) travel as decimal strings. */
export function encodeBatch(batch: IngestBatch): Buffer {
  const encoded: Encoded = {
    v: 1,
    calls: batch.calls.map((c) => ({
      ...c,
      startTime: c.startTime.toString(),
      durationNs: c.durationNs.toString(),
    })),
    tasks: batch.tasks.map((t) => ({
      ...t,
      startTime: t.startTime.toString(),
      endTime: t.endTime.toString(),
      updatedAt: t.updatedAt.toString(),
    })),
    spans: batch.spans,
  };
  return Buffer.from(JSON.stringify(encoded));
}

/** Reads a batch back from a spool record. */
export function decodeBatch(payload: Buffer): IngestBatch {
  const encoded = JSON.parse(payload.toString('utf8')) as Encoded;
  if (encoded.v !== 1) throw new Error(`unknown spool record version ${String(encoded.v)}`);
  return {
    calls: encoded.calls.map((c) => ({
      ...c,
      startTime: BigInt(c.startTime),
      durationNs: BigInt(c.durationNs),
    })),
    tasks: encoded.tasks.map((t) => ({
      ...t,
      startTime: BigInt(t.startTime),
      endTime: BigInt(t.endTime),
      updatedAt: BigInt(t.updatedAt),
    })),
    spans: encoded.spans,
  };
}
