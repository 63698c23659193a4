import { insertRows, type Store, TABLES } from '@tokenwatch/store';

/** Options of {@link RejectionLog}. */
export type RejectionLogOptions = {
  /** How often counts are written. @default 10 s */
  flushEveryMs?: number;
  /** Distinct (tenant, minute, reason) keys held between flushes; more are dropped. @default 10,000 */
  maxKeys?: number;
  /** Told when a flush fails (the counts are kept for the next one). */
  onError?: (err: unknown) => void;
};

type Count = { tenant: string; minute: number; reason: string; spans: number; requests: number };

/**
 * A rejection reason without the values it quotes, so reasons group: "trace id must be 32
 * lower-case hex characters (16 bytes)" rather than one reason per bad id.
 */
export function rejectionReason(message: string): string {
  return message
    .replace(/, got .*$/s, '')
    .replace(/\d{4,}/g, 'N')
    .slice(0, 160);
}

/**
 * Counts of refused spans and requests per tenant, minute and reason, written to
 * `ingest_rejections` every few seconds: the data-completeness figures of reports. Writing
 * counts rather than a row per rejection keeps a flood of bad spans from becoming a flood of
 * inserts; a failed write keeps the counts for the next flush.
 */
export class RejectionLog {
  private counts = new Map<string, Count>();
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly store: Store;
  private readonly options: Required<Omit<RejectionLogOptions, 'onError'>> &
    Pick<RejectionLogOptions, 'onError'>;

  constructor(store: Store, options: RejectionLogOptions = {}) {
    this.store = store;
    this.options = { flushEveryMs: 10_000, maxKeys: 10_000, ...options };
  }

  /** Counts `spans` spans and `requests` whole requests refused for `reason` at `at` (ms). */
  add(tenant: string, reason: string, spans: number, requests: number, at = Date.now()): void {
    const minute = Math.floor(at / 60_000) * 60_000;
    const why = rejectionReason(reason);
    const key = `${tenant}\u0000${minute}\u0000${why}`;
    const count = this.counts.get(key);
    if (count) {
      count.spans += spans;
      count.requests += requests;
    } else if (this.counts.size < this.options.maxKeys) {
      this.counts.set(key, { tenant, minute, reason: why, spans, requests });
    } else this.dropped += spans + requests;
  }

  /** The counts not written yet. */
  pending(): Count[] {
    return [...this.counts.values()].map((c) => ({ ...c }));
  }

  /** Counts lost because too many distinct reasons arrived between two flushes. */
  get droppedCounts(): number {
    return this.dropped;
  }

  /** Writes what was counted so far; flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.counts.size === 0) return;
    const batch = this.counts;
    this.counts = new Map();
    try {
      await insertRows(
        this.store,
        TABLES.ingestRejections,
        [...batch.values()].map((c) => ({
          tenant: c.tenant,
          minute: Math.floor(c.minute / 1000),
          reason: c.reason,
          spans: c.spans,
          requests: c.requests,
        })),
      );
    } catch (err) {
      // Put the counts back (merged with any that arrived meanwhile) for the next flush.
      for (const c of batch.values()) this.add(c.tenant, c.reason, c.spans, c.requests, c.minute);
      this.options.onError?.(err);
    }
  }

  /** Flushes every `flushEveryMs` until {@link stop}. */
  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushEveryMs);
    this.timer.unref();
  }

  /** Stops the timer and writes the remaining counts. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
