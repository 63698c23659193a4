import type { Pricer } from '@tokenwatch/pricing';
import { dimensionsWith, type LlmCall } from '@tokenwatch/schema';
import type { Store } from '@tokenwatch/store';
import type { CollectorMetrics } from '../metrics.ts';
import type { AttributionField, AttributionRule } from '../normalize/attribution.ts';
import { CallParentCache } from '../normalize/call-parent-cache.ts';
import { applySpanLimits, CardinalityGuard, GUARDED_DIMENSIONS } from '../normalize/limits.ts';
import { normalizeBatch, type RejectedSpan } from '../normalize/normalize-batch.ts';
import type { DecodedTraces } from '../otlp/types.ts';
import { GroupCommitter } from './group-commit.ts';
import { toLeanOtelRow, toOtelRow } from './otel-rows.ts';
import { priceCall } from './price-calls.ts';
import { RejectionLog } from './rejection-log.ts';
import { Spool } from './spool.ts';
import type { IngestBatch } from './spool-record.ts';
import { StoreWriter } from './store-writer.ts';

/** Settings of the ingest path (from the `ingest`, `attribution` and `prices` config sections). */
export type IngestorOptions = {
  spoolDir: string;
  maxPendingSpans: number;
  maxSpoolBytes: number;
  maxAttributesPerSpan: number;
  maxAttributeValueBytes: number;
  maxDistinctValues: number;
  /** `lean`: LLM-call spans go to otel_traces without attributes (llm_calls holds them). */
  rawLlmSpans: 'full' | 'lean';
  attributionRules: readonly { field: string; from: string }[];
  /** Prices the calls: the one pricer the serve process builds per configuration. */
  pricer: Pricer;
  log?: (message: string) => void;
};

/** The settings a configuration reload may change (not the spool's place, which is the store's). */
export type LiveIngestOptions = Omit<IngestorOptions, 'spoolDir' | 'log'>;

/** What became of one request's spans; the rest were made durable. */
export type IngestResult = { rejected: RejectedSpan[]; accepted: number };

/** The call field each rule field fills (`user` → `userId`): the attributable dimensions. */
const RULE_FIELDS: Readonly<Record<string, AttributionField>> = Object.fromEntries(
  dimensionsWith('attributable').map((d) => [d.name, d.field]),
);

/**
 * The ingest path from decoded spans to the store: limits, normalization, pricing, cardinality
 * guard, then the spool (acknowledged once synced) and the background store writer.
 */
export class Ingestor {
  readonly metrics: CollectorMetrics;
  private readonly spool: Spool;
  private readonly committer: GroupCommitter;
  private readonly writer: StoreWriter;
  private readonly rejections: RejectionLog;
  private pricer: Pricer;
  private guard: CardinalityGuard;
  private readonly callParents = new CallParentCache();
  private readonly billedCalls = new CallParentCache();
  private rules: AttributionRule[];
  private options: IngestorOptions;
  private accepting = true;
  private readonly storedListeners: ((calls: readonly LlmCall[]) => void)[] = [];

  constructor(store: Store, metrics: CollectorMetrics, options: IngestorOptions) {
    this.options = options;
    this.metrics = metrics;
    this.spool = Spool.open(options.spoolDir);
    this.committer = new GroupCommitter(this.spool, {
      maxPendingSpans: options.maxPendingSpans,
      maxLagBytes: options.maxSpoolBytes,
    });
    const log = options.log ?? (() => {});
    let lastErrorLog = 0;
    this.writer = new StoreWriter(this.spool, store, {
      onError: (err) => {
        metrics.storeErrors.inc();
        // One line per 10 s during an outage, not one per retry.
        if (Date.now() - lastErrorLog > 10_000) {
          lastErrorLog = Date.now();
          log(`tokenwatch: store insert failed, retrying: ${(err as Error).message}`);
        }
      },
      onWritten: (stats) => metrics.duplicateCalls.inc(stats.duplicates),
      onCallsStored: (calls) => {
        for (const listener of this.storedListeners) listener(calls);
      },
    });
    this.committer.onDurable = () => this.writer.notify();
    this.rejections = new RejectionLog(store, {
      onError: (err) =>
        log(`tokenwatch: recording rejected spans failed: ${(err as Error).message}`),
    });
    this.pricer = options.pricer;
    this.guard = new CardinalityGuard(options.maxDistinctValues);
    this.rules = attributionRules(options.attributionRules);
  }

  /**
   * Applies reloaded settings to the requests that arrive from now on; a request in progress
   * finishes with the settings it started with (ingest reads them before its first await).
   * A new distinct-value limit starts a new cardinality window.
   */
  reconfigure(next: LiveIngestOptions): void {
    const previous = this.options;
    this.options = { ...next, spoolDir: previous.spoolDir, log: previous.log };
    this.pricer = next.pricer;
    this.rules = attributionRules(next.attributionRules);
    if (next.maxDistinctValues !== previous.maxDistinctValues)
      this.guard = new CardinalityGuard(next.maxDistinctValues);
    this.committer.setLimits({
      maxPendingSpans: next.maxPendingSpans,
      maxLagBytes: next.maxSpoolBytes,
    });
  }

  /** Subscribes to every call as it is stored (spend counters of the budget checks). */
  onCallsStored(listener: (calls: readonly LlmCall[]) => void): void {
    this.storedListeners.push(listener);
  }

  /** Updates the gauges that are read, not counted (called before /metrics renders). */
  refreshGauges(): void {
    this.metrics.queuedSpans.set(this.committer.queuedSpans);
    this.metrics.spoolLagBytes.set(this.spool.lagBytes());
  }

  /** Starts moving spooled data into the store (replaying what a previous run left). */
  start(): void {
    this.writer.start();
    this.rejections.start();
  }

  /** Counts a whole request refused before its spans could be read (for data completeness). */
  rejectRequest(tenant: string, reason: string): void {
    this.rejections.add(tenant, reason, 0, 1);
  }

  /** Normalizes, prices and durably queues one request's spans. */
  async ingest(tenant: string, traces: DecodedTraces): Promise<IngestResult> {
    if (!this.accepting) throw new Error('shutting down');
    const m = this.metrics;
    const limits = applySpanLimits(
      traces,
      this.options.maxAttributesPerSpan,
      this.options.maxAttributeValueBytes,
    );
    m.attributesDropped.inc(limits.attributesDropped);
    m.valuesTruncated.inc(limits.valuesTruncated);

    const { pricer, guard } = this;
    const normalized = normalizeBatch(traces, {
      tenant,
      rules: this.rules,
      callParents: this.callParents,
      billedCalls: this.billedCalls,
    });
    const rejected = normalized.rejected;
    const refused = new Set<string>();
    const batch: IngestBatch = { calls: [], tasks: [], spans: [] };
    for (const call of normalized.calls) {
      const priced = priceCall(call, pricer);
      if ('rejected' in priced) {
        rejected.push({ traceId: call.traceId, spanId: call.spanId, reason: priced.rejected });
        refused.add(call.spanId);
        continue;
      }
      if (priced.unpriced) m.unpricedCalls.inc();
      if (priced.call.usageMissing) m.usageMissingCalls.inc();
      for (const { name, field } of GUARDED_DIMENSIONS) {
        const admitted = guard.admit(tenant, name, priced.call[field]);
        if (admitted !== priced.call[field]) {
          m.cardinalityCapped.inc({ dimension: name });
          priced.call[field] = admitted;
        }
      }
      batch.calls.push(priced.call);
    }
    for (const task of normalized.tasks) {
      const parsed = { ...task, attributes: {} } as IngestBatch['tasks'][number];
      for (const { name, field } of GUARDED_DIMENSIONS)
        parsed[field] = guard.admit(tenant, name, parsed[field]);
      batch.tasks.push(parsed);
    }
    const lean =
      this.options.rawLlmSpans === 'lean' ? new Set(batch.calls.map((c) => c.spanId)) : undefined;
    for (const accepted of normalized.spans) {
      const id = accepted.span.spanId;
      if (refused.has(id)) continue;
      batch.spans.push(
        lean?.has(id) ? toLeanOtelRow(accepted, tenant) : toOtelRow(accepted, tenant),
      );
    }
    const spanCount = normalized.spans.length + rejected.length - refused.size;
    m.spansReceived.inc(spanCount);
    m.spansRejected.inc(rejected.length);
    for (const r of rejected) this.rejections.add(tenant, r.reason, 1, 0);
    m.doubleReported.inc(normalized.doubleReported);
    m.aggregateSpans.inc(normalized.aggregates - normalized.doubleReported);
    if (batch.spans.length > 0) {
      await this.committer.submit(batch);
      m.spansAccepted.inc(batch.spans.length);
      m.llmCalls.inc(batch.calls.length);
    }
    return { rejected, accepted: batch.spans.length };
  }

  /** Resolves when everything acknowledged so far is in the store. */
  async flushed(): Promise<void> {
    await this.committer.drain();
    await this.writer.flushed();
  }

  /**
   * Stops: refuses new requests, waits for acknowledged data to reach the disk, gives the store
   * writer `graceMs` to catch up (what it does not finish is replayed at the next start).
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.accepting = false;
    await this.committer.drain();
    await Promise.race([
      this.writer.flushed(),
      new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
    ]);
    await this.writer.stop();
    await this.rejections.stop();
    this.spool.close();
  }
}

function attributionRules(rules: readonly { field: string; from: string }[]): AttributionRule[] {
  return rules.map((r) => ({ field: RULE_FIELDS[r.field]!, attribute: r.from }));
}
