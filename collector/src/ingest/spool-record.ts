import type { LlmCall, Task } from '@tokenwatch/schema';
import { jsonCompactEachRow, jsonEachRow } from '@tokenwatch/store';
import { OTEL_COLUMNS, type OtelTraceRow } from './otel-rows.ts';

/** What one acknowledged request (or several, merged) hands to the spool. */
export type IngestBatch = { calls: LlmCall[]; tasks: Task[]; spans: OtelTraceRow[] };

/**
 * A spool record read back for the store: the calls and tasks as objects (the writer checks,
 * sums and counts them), the raw spans as the JSONEachRow body they are inserted as.
 */
export type StoredBatch = {
  calls: LlmCall[];
  tasks: Task[];
  /** `otel_traces` rows, one per line, serialized once when the record was written. */
  spanRows: Buffer;
  /** The columns of `spanRows`' JSON arrays (JSONCompactEachRow); undefined: JSON objects. */
  spanColumns: readonly string[] | undefined;
  spanCount: number;
};

type EncodedCall = Omit<LlmCall, 'startTime' | 'durationNs'> & {
  startTime: string;
  durationNs: string;
};
type EncodedTask = Omit<Task, 'startTime' | 'endTime' | 'updatedAt'> & {
  startTime: string;
  endTime: string;
  updatedAt: string;
};
/** Version 1: the whole batch as one JSON document (read for records spooled before v2). */
type EncodedV1 = { v: 1; calls: EncodedCall[]; tasks: EncodedTask[]; spans: OtelTraceRow[] };
/** Version 2's header; the span rows follow it, compact (arrays in OTEL_COLUMNS order) or not. */
type HeaderV2 = {
  v: 2;
  spans: number;
  compact: boolean;
  calls: EncodedCall[];
  tasks: EncodedTask[];
};

const V2 = 2;
/** Version byte, then the header's length (UInt32LE). */
const PREFIX = 5;

/**
 * Serializes a batch for the spool. Version 2 writes a small JSON header (calls and tasks;
 * nanosecond times as decimal strings) followed by the raw spans already as the body `otel_traces`
 * takes (JSONCompactEachRow: the bulk of a record is serialized once, here, and never parsed
 * again, without the column names on every row).
 */
export function encodeBatch(batch: IngestBatch): Buffer {
  // Compact when every row has exactly the exporter's columns (the collector's rows always do).
  const compact = jsonCompactEachRow(batch.spans, OTEL_COLUMNS);
  const header: HeaderV2 = {
    v: V2,
    spans: batch.spans.length,
    compact: compact !== undefined,
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
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.allocUnsafe(PREFIX);
  prefix.writeUInt8(V2, 0);
  prefix.writeUInt32LE(headerBytes.length, 1);
  return Buffer.concat([prefix, headerBytes, compact ?? jsonEachRow(batch.spans)]);
}

/** Reads a spool record back (either version). */
export function decodeBatch(payload: Buffer): StoredBatch {
  if (payload[0] === V2) {
    const length = payload.readUInt32LE(1);
    const header = JSON.parse(payload.toString('utf8', PREFIX, PREFIX + length)) as HeaderV2;
    return {
      calls: header.calls.map(decodeCall),
      tasks: header.tasks.map(decodeTask),
      spanRows: payload.subarray(PREFIX + length),
      spanColumns: header.compact ? OTEL_COLUMNS : undefined,
      spanCount: header.spans,
    };
  }
  const encoded = JSON.parse(payload.toString('utf8')) as EncodedV1;
  if (encoded.v !== 1) throw new Error(`unknown spool record version ${String(encoded.v)}`);
  return {
    calls: encoded.calls.map(decodeCall),
    tasks: encoded.tasks.map(decodeTask),
    spanRows: jsonEachRow(encoded.spans),
    spanColumns: undefined,
    spanCount: encoded.spans.length,
  };
}

function decodeCall(c: EncodedCall): LlmCall {
  return { ...c, startTime: BigInt(c.startTime), durationNs: BigInt(c.durationNs) };
}

function decodeTask(t: EncodedTask): Task {
  return {
    ...t,
    startTime: BigInt(t.startTime),
    endTime: BigInt(t.endTime),
    updatedAt: BigInt(t.updatedAt),
  };
}
