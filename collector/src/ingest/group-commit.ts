import type { Spool } from './spool.ts';
import { encodeBatch, type IngestBatch } from './spool-record.ts';

/** The collector cannot take more right now; the client should retry after `retryAfterSeconds`. */
export class BackpressureError extends Error {
  readonly status: 429 | 503;
  readonly retryAfterSeconds: number;
  constructor(status: 429 | 503, message: string, retryAfterSeconds: number) {
    super(message);
    this.name = 'BackpressureError';
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export type GroupCommitOptions = {
  /** Spans waiting for the next spool write before new requests are turned away (429). */
  maxPendingSpans?: number;
  /** Spool bytes not yet in the store before new requests are turned away (503: the store is behind or down). */
  maxLagBytes?: number;
  /** Called after each spool write with the number of requests and spans it made durable. */
  onCommit?: (requests: number, spans: number, seconds: number) => void;
};

type Waiter = {
  batch: IngestBatch;
  spans: number;
  resolve: () => void;
  reject: (err: unknown) => void;
};

/**
 * Makes requests durable together: every request that arrives while a spool write is in flight
 * joins the next one, so one fsync acknowledges many requests. A request resolves only once its
 * data is synced to disk.
 */
export class GroupCommitter {
  private readonly spool: Spool;
  private maxPendingSpans: number;
  private maxLagBytes: number;
  private readonly onCommit: GroupCommitOptions['onCommit'];
  private pending: Waiter[] = [];
  private pendingSpans = 0;
  private flushing = false;
  private idle: Promise<void> = Promise.resolve();
  /** Called after a write lands, so the store writer can look for new records at once. */
  onDurable: () => void = () => {};

  constructor(spool: Spool, options: GroupCommitOptions = {}) {
    this.spool = spool;
    this.maxPendingSpans = options.maxPendingSpans ?? 200_000;
    this.maxLagBytes = options.maxLagBytes ?? 1024 * 1024 * 1024;
    this.onCommit = options.onCommit;
  }

  /** Changes the back-pressure limits (a configuration reload); they apply to the next submit. */
  setLimits(limits: { maxPendingSpans: number; maxLagBytes: number }): void {
    this.maxPendingSpans = limits.maxPendingSpans;
    this.maxLagBytes = limits.maxLagBytes;
  }

  /** Spans accepted but not yet on disk. */
  get queuedSpans(): number {
    return this.pendingSpans;
  }

  /** Resolves once the batch is durable; throws BackpressureError when it cannot be taken now. */
  submit(batch: IngestBatch): Promise<void> {
    const spans = batch.spans.length;
    if (this.spool.lagBytes() > this.maxLagBytes) {
      // Short on purpose: the OTel JS exporter drops a batch whose Retry-After runs past its
      // export deadline (10 s by default), so a long hint turns back-pressure into data loss.
      throw new BackpressureError(503, 'the store is behind: the spool is full', 2);
    }
    if (this.pendingSpans + spans > this.maxPendingSpans && this.pendingSpans > 0) {
      throw new BackpressureError(429, 'too many spans waiting to be written', 1);
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ batch, spans, resolve, reject });
      this.pendingSpans += spans;
      if (!this.flushing) this.idle = this.flushLoop();
    });
  }

  /** Resolves when nothing is waiting for the spool. */
  drain(): Promise<void> {
    return this.idle;
  }

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      // Let the requests already in this turn of the event loop join the first write.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.pending.length > 0) {
        const group = this.pending;
        this.pending = [];
        const spans = group.reduce((n, w) => n + w.spans, 0);
        const started = performance.now();
        try {
          const merged: IngestBatch = { calls: [], tasks: [], spans: [] };
          for (const { batch } of group) {
            merged.calls.push(...batch.calls);
            merged.tasks.push(...batch.tasks);
            merged.spans.push(...batch.spans);
          }
          this.spool.append(encodeBatch(merged));
          await this.spool.sync();
          this.pendingSpans -= spans;
          for (const waiter of group) waiter.resolve();
          this.onCommit?.(group.length, spans, (performance.now() - started) / 1000);
          this.onDurable();
        } catch (err) {
          this.pendingSpans -= spans;
          for (const waiter of group) waiter.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
