/**
 * @module
 * The ingest benchmark's corpus: batches of 512 realistic GenAI spans recorded by the official
 * OTel JS SDK and encoded once by the official protobuf serializer, written to files with a
 * "patch plan" each, so the load process replays bytes and only rewrites ids and times.
 *
 * The store drops calls it already holds (same tenant, trace and span id), so replaying a batch
 * verbatim would measure the duplicate check, not ingest. Every request therefore gets fresh ids:
 * each distinct span id of the batch becomes `[request sequence u32][index u32]` and each trace
 * id starts with the same 8 bytes, which keeps parent links inside the batch intact and makes ids
 * unique across requests. Times are shifted to the moment of sending, as live traffic would be
 * (raw spans older than the retention would also be dropped by the table's TTL).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  createWireReader,
  readLengthEnd,
  readTag,
  skipField,
  WIRE_TYPE,
} from '../../src/otlp/wire-reader.ts';
import { recordGenAiSpans } from '../../test/support/otlp/sdk-spans.ts';

/** Spans per export request: the OTel JS BatchSpanProcessor's default batch. */
export const SPANS_PER_BATCH = 512;

/** Where the bytes of one batch need rewriting before it is sent. */
export type PatchPlan = {
  /** Offsets of 8-byte span ids (span, parent and link span ids) and the index of each id. */
  spanIdOffsets: number[];
  spanIdIndexes: number[];
  /** Offsets of 16-byte trace ids and the index of each trace in the batch. */
  traceIdOffsets: number[];
  traceIdIndexes: number[];
  /** Offsets of fixed64 nanosecond times (span start and end, event times). */
  timeOffsets: number[];
  /** The earliest span start time in the batch, as a decimal string of nanoseconds. */
  firstStartNs: string;
};

/** One pre-encoded batch as the load process uses it. */
export type CorpusBatch = {
  bytes: Buffer;
  plan: PatchPlan;
  spans: number;
  /** Spans that are billable LLM calls (chat client spans). */
  calls: number;
};

type Manifest = { batches: { file: string; plan: PatchPlan; spans: number; calls: number }[] };

// Field numbers from opentelemetry-proto (trace.proto, trace_service.proto).
const F = {
  resourceSpans: 1,
  scopeSpans: 2,
  spans: 2,
  traceId: 1,
  spanId: 2,
  parentSpanId: 4,
  start: 7,
  end: 8,
  events: 11,
  links: 13,
  eventTime: 1,
  linkTraceId: 1,
  linkSpanId: 2,
} as const;

/** Records and encodes `count` distinct batches into `dir` (one file each plus a manifest). */
export function writeCorpus(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  const manifest: Manifest = { batches: [] };
  for (let i = 0; i < count; i++) {
    const spans = recordGenAiSpans(SPANS_PER_BATCH, 7000 + i);
    const encoded = ProtobufTraceSerializer.serializeRequest(spans);
    if (encoded === undefined) throw new Error('serializer returned nothing');
    const bytes = Buffer.from(encoded);
    const file = `batch-${String(i).padStart(3, '0')}.pb`;
    writeFileSync(join(dir, file), bytes);
    const calls = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat').length;
    manifest.batches.push({ file, plan: planPatches(bytes), spans: spans.length, calls });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

/** Reads a corpus written by {@link writeCorpus}. */
export function readCorpus(dir: string): CorpusBatch[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  return manifest.batches.map((b) => ({
    bytes: readFileSync(join(dir, b.file)),
    plan: b.plan,
    spans: b.spans,
    calls: b.calls,
  }));
}

/** Walks an encoded ExportTraceServiceRequest and notes where its ids and times sit. */
export function planPatches(bytes: Buffer): PatchPlan {
  const plan: PatchPlan = {
    spanIdOffsets: [],
    spanIdIndexes: [],
    traceIdOffsets: [],
    traceIdIndexes: [],
    timeOffsets: [],
    firstStartNs: '',
  };
  const spanIds = new Map<string, number>();
  const traceIds = new Map<string, number>();
  let firstStart: bigint | undefined;
  const r = createWireReader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const id = (
    end: number,
    size: 8 | 16,
    seen: Map<string, number>,
    offsets: number[],
    indexes: number[],
  ) => {
    const payloadEnd = readLengthEnd(r, end);
    if (payloadEnd - r.pos === size) {
      const key = bytes.toString('hex', r.pos, payloadEnd);
      let index = seen.get(key);
      if (index === undefined) {
        index = seen.size;
        seen.set(key, index);
      }
      offsets.push(r.pos);
      indexes.push(index);
    }
    r.pos = payloadEnd;
  };
  const spanId = (end: number) => id(end, 8, spanIds, plan.spanIdOffsets, plan.spanIdIndexes);
  const traceId = (end: number) => id(end, 16, traceIds, plan.traceIdOffsets, plan.traceIdIndexes);
  const time = (tag: number, end: number) => {
    if ((tag & 7) !== WIRE_TYPE.fixed64) return skipField(r, tag, end, 0);
    plan.timeOffsets.push(r.pos);
    r.pos += 8;
  };

  // Walks the fields of one message, handing the ones named in `handlers` over, skipping the rest.
  type Handlers = Record<number, (tag: number, end: number) => void>;
  const each = (end: number, handlers: Handlers) => {
    while (r.pos < end) {
      const tag = readTag(r, end);
      const handle = handlers[tag >>> 3];
      if (handle) handle(tag, end);
      else skipField(r, tag, end, 0);
    }
  };
  const nested = (inner: Handlers) => (_tag: number, end: number) => {
    const innerEnd = readLengthEnd(r, end);
    each(innerEnd, inner);
    r.pos = innerEnd;
  };
  const event: Handlers = { [F.eventTime]: time };
  const link: Handlers = {
    [F.linkTraceId]: (_tag, end) => traceId(end),
    [F.linkSpanId]: (_tag, end) => spanId(end),
  };
  const span: Handlers = {
    [F.traceId]: (_tag, end) => traceId(end),
    [F.spanId]: (_tag, end) => spanId(end),
    [F.parentSpanId]: (_tag, end) => spanId(end),
    [F.start]: (tag, end) => {
      const start = view.getBigUint64(r.pos, true);
      if (firstStart === undefined || start < firstStart) firstStart = start;
      time(tag, end);
    },
    [F.end]: time,
    [F.events]: nested(event),
    [F.links]: nested(link),
  };
  const scopeSpans: Handlers = { [F.spans]: nested(span) };
  const resourceSpans: Handlers = { [F.scopeSpans]: nested(scopeSpans) };
  each(bytes.length, { [F.resourceSpans]: nested(resourceSpans) });

  plan.firstStartNs = String(firstStart ?? 0n);
  return plan;
}

/**
 * Copies a batch into `out` and gives it fresh ids and current times.
 *
 * @param sequence unique per request of a run (1-based: an all-zero id is invalid)
 * @param nowNs the time the batch's first span should start at
 */
export function patchBatch(batch: CorpusBatch, out: Buffer, sequence: number, nowNs: bigint): void {
  batch.bytes.copy(out);
  const { plan } = batch;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < plan.spanIdOffsets.length; i++) {
    const at = plan.spanIdOffsets[i]!;
    view.setUint32(at, sequence);
    view.setUint32(at + 4, plan.spanIdIndexes[i]!);
  }
  for (let i = 0; i < plan.traceIdOffsets.length; i++) {
    const at = plan.traceIdOffsets[i]!;
    view.setUint32(at, sequence);
    view.setUint32(at + 4, plan.traceIdIndexes[i]!);
  }
  // Adds the shift as two 32-bit halves with a carry: BigInt arithmetic here cost the loader
  // more CPU than everything else it does per request.
  const shift = nowNs - BigInt(plan.firstStartNs);
  if (shift < 0n) throw new Error('the corpus starts in the future');
  const shiftLo = Number(shift & 0xffffffffn);
  const shiftHi = Number(shift >> 32n);
  for (const at of plan.timeOffsets) {
    const lo = view.getUint32(at, true) + shiftLo;
    view.setUint32(at, lo >>> 0, true);
    const carry = lo > 0xffffffff ? 1 : 0;
    view.setUint32(at + 4, (view.getUint32(at + 4, true) + shiftHi + carry) >>> 0, true);
  }
}
