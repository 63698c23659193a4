import type { LlmCall } from '@tokenwatch/schema';
import { insertLlmCalls, insertOtelSpans, type Store, upsertTasks } from '@tokenwatch/store';
import type { Spool, SpoolPosition } from './spool.ts';
import { decodeBatch } from './spool-record.ts';

export type StoreWriterOptions = {
  /** Delay before retrying a failed insert, doubled up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** How often to look for records when nothing signalled new ones. */
  pollMs?: number;
  onError?: (err: unknown) => void;
  /** Every call stored, as it is stored (see `insertLlmCalls`' `onStored`). */
  onCallsStored?: (calls: readonly LlmCall[]) => void;
  onWritten?: (stats: {
    calls: number;
    duplicates: number;
    tasks: number;
    spans: number;
    seconds: number;
  }) => void;
};

/**
 * Moves spool records into the store, oldest first, one record per insert so that a replayed
 * record inserts the very same block (the raw-span insert carries a token derived from the
 * record's position, which ClickHouse deduplicates). A failed insert is retried with backoff and
 * nothing is committed past it: a store outage delays data, it never loses it.
 */
export class StoreWriter {
  private readonly spool: Spool;
  private readonly store: Store;
  private readonly options: Required<
    Omit<StoreWriterOptions, 'onError' | 'onWritten' | 'onCallsStored'>
  > &
    Pick<StoreWriterOptions, 'onError' | 'onWritten' | 'onCallsStored'>;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private caughtUp: (() => void)[] = [];
  /** Consecutive failed attempts of the current record (0 when healthy). */
  failures = 0;

  constructor(spool: Spool, store: Store, options: StoreWriterOptions = {}) {
    this.spool = spool;
    this.store = store;
    this.options = {
      retryDelayMs: options.retryDelayMs ?? 200,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 10_000,
      pollMs: options.pollMs ?? 500,
      onError: options.onError,
      onWritten: options.onWritten,
      onCallsStored: options.onCallsStored,
    };
  }

  /** Starts moving records in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Tells the writer new records are in the spool. */
  notify(): void {
    this.wake?.();
  }

  /** Resolves once every record appended so far is in the store. */
  flushed(): Promise<void> {
    return new Promise((resolve) => {
      this.caughtUp.push(resolve);
      this.notify();
    });
  }

  /** Stops after the record in progress; what remains is replayed at the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const record = this.spool.readNext();
      if (!record) {
        for (const resolve of this.caughtUp.splice(0)) resolve();
        await this.sleep(this.options.pollMs);
        continue;
      }
      await this.writeWithRetry(record.position, record.payload);
      if (!this.running && this.failures > 0) return;
      this.spool.commit(record.next);
    }
  }

  private async writeWithRetry(position: SpoolPosition, payload: Buffer): Promise<void> {
    const batch = decodeBatch(payload);
    const token = `${this.spool.id}-${position.segment}-${position.offset}`;
    for (
      let delay = this.options.retryDelayMs;
      ;
      delay = Math.min(delay * 2, this.options.maxRetryDelayMs)
    ) {
      const started = performance.now();
      try {
        await insertOtelSpans(this.store, batch.spans, token);
        const result = await insertLlmCalls(this.store, batch.calls, {
          dedupToken: token,
          onStored: this.options.onCallsStored,
        });
        await upsertTasks(this.store, batch.tasks);
        this.failures = 0;
        this.options.onWritten?.({
          calls: result.inserted,
          duplicates: result.duplicates,
          tasks: batch.tasks.length,
          spans: batch.spans.length,
          seconds: (performance.now() - started) / 1000,
        });
        return;
      } catch (err) {
        this.failures++;
        this.options.onError?.(err);
        if (!this.running) return;
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
