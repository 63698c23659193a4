import type { LlmCall } from '@tokenwatch/schema';
import { insertLlmCalls, insertOtelSpans, type Store, upsertTasks } from '@tokenwatch/store';
import type { Spool, SpoolPosition, SpoolRecord } from './spool.ts';
import { decodeBatch } from './spool-record.ts';

export type StoreWriterOptions = {
  /** Delay before retrying a failed insert, doubled up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** How often to look for records when nothing signalled new ones. */
  pollMs?: number;
  /**
   * When records wait in the spool, consecutive ones are stored together, up to about this many
   * payload bytes per insert: each insert into the embedded engine costs tens of milliseconds of
   * CPU whatever its size, so a writer that fell behind catches up with fewer, larger inserts.
   */
  maxGroupBytes?: number;
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
 * Moves spool records into the store, oldest first. Records waiting together are stored as one
 * group (one insert per table); a replayed group inserts the very same block, because each
 * insert carries a token derived from the group's spool positions, which ClickHouse
 * deduplicates, and the spool notes a group of several records before storing it, so a replay
 * after a crash forms the same group (a replay without such a note stores its first record
 * alone, as a single record is stored without one). A failed insert is retried with backoff and
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
  /** The group a replay must form first (noted in the spool before a crash), if any. */
  private replayGroupEnd: SpoolPosition | undefined;
  /** Whether the first group read must be a single record (nothing noted: see the class doc). */
  private singleFirst: boolean;

  constructor(spool: Spool, store: Store, options: StoreWriterOptions = {}) {
    this.spool = spool;
    this.store = store;
    this.options = {
      retryDelayMs: options.retryDelayMs ?? 200,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 10_000,
      pollMs: options.pollMs ?? 500,
      maxGroupBytes: options.maxGroupBytes ?? 8 * 1024 * 1024,
      onError: options.onError,
      onWritten: options.onWritten,
      onCallsStored: options.onCallsStored,
    };
    this.replayGroupEnd = spool.replayGroupEnd;
    this.singleFirst = spool.replayGroupEnd === undefined;
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
      const group = this.readGroup();
      const first = group[0];
      const last = group.at(-1);
      if (!first || !last) {
        for (const resolve of this.caughtUp.splice(0)) resolve();
        await this.sleep(this.options.pollMs);
        continue;
      }
      if (group.length === 1) {
        await this.writeWithRetry(first.position, first.payload);
      } else {
        this.spool.beginGroup(last.next);
        const token = `${this.spool.id}-${first.position.segment}-${first.position.offset}-${last.next.segment}-${last.next.offset}`;
        await this.insertWithRetry(
          token,
          group.map((record) => record.payload),
        );
      }
      if (!this.running && this.failures > 0) return;
      this.spool.commit(last.next);
    }
  }

  /** The next records to store together: the noted group on replay, else what is waiting. */
  private readGroup(): SpoolRecord[] {
    const first = this.spool.readNext();
    if (!first) return [];
    const group = [first];
    const end = this.replayGroupEnd;
    if (end) {
      this.replayGroupEnd = undefined;
      let last = first;
      while (last.next.segment !== end.segment || last.next.offset !== end.offset) {
        // Records end before the noted group does only if the tail was cut at open (written, not
        // yet synced, when the machine went down): store what is there rather than stall.
        const next = this.spool.readNext();
        if (!next) break;
        group.push(next);
        last = next;
      }
      return group;
    }
    if (this.singleFirst) {
      this.singleFirst = false;
      return group;
    }
    let bytes = first.payload.length;
    while (bytes < this.options.maxGroupBytes) {
      const next = this.spool.readNext();
      if (!next) break;
      group.push(next);
      bytes += next.payload.length;
    }
    return group;
  }

  private writeWithRetry(position: SpoolPosition, payload: Buffer): Promise<void> {
    return this.insertWithRetry(`${this.spool.id}-${position.segment}-${position.offset}`, [
      payload,
    ]);
  }

  private async insertWithRetry(token: string, payloads: Buffer[]): Promise<void> {
    const records = payloads.map(decodeBatch);
    const calls = records.flatMap((r) => r.calls);
    const tasks = records.flatMap((r) => r.tasks);
    // The span rows of every record, already serialized: one body per format, concatenated as
    // they are (records of an older version, or of rows the compact form cannot carry, are JSON).
    const compact = records.filter((r) => r.spanColumns !== undefined);
    const json = records.filter((r) => r.spanColumns === undefined);
    const spanCount = records.reduce((n, r) => n + r.spanCount, 0);
    for (
      let delay = this.options.retryDelayMs;
      ;
      delay = Math.min(delay * 2, this.options.maxRetryDelayMs)
    ) {
      const started = performance.now();
      try {
        if (compact.length > 0)
          await insertOtelSpans(
            this.store,
            Buffer.concat(compact.map((r) => r.spanRows)),
            token,
            compact[0]!.spanColumns,
          );
        if (json.length > 0)
          await insertOtelSpans(
            this.store,
            Buffer.concat(json.map((r) => r.spanRows)),
            `${token}:json`,
          );
        const result = await insertLlmCalls(this.store, calls, {
          dedupToken: token,
          onStored: this.options.onCallsStored,
          parsed: true,
        });
        await upsertTasks(this.store, tasks);
        this.failures = 0;
        this.options.onWritten?.({
          calls: result.inserted,
          duplicates: result.duplicates,
          tasks: tasks.length,
          spans: spanCount,
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
