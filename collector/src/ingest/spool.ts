import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** Where a record starts: segment number and byte offset in it. */
export type SpoolPosition = { segment: number; offset: number };

/** The checkpoint file: what the store has, and the group being stored past it, if any. */
type Checkpoint = SpoolPosition & { groupEnd?: SpoolPosition };

/** A record read back, with the position after it (what to commit once it is stored). */
export type SpoolRecord = { position: SpoolPosition; next: SpoolPosition; payload: Buffer };

export type SpoolOptions = {
  /** A new segment file starts once the current one reaches this size. */
  segmentBytes?: number;
};

const HEADER = 8; // u32 length, u32 crc32
const SEGMENT = /^(\d{12})\.log$/;
const CHECKPOINT = 'checkpoint.json';
/** A record larger than this is corruption, not data (requests are capped far below it). */
const MAX_RECORD = 512 * 1024 * 1024;

const segmentName = (n: number) => `${String(n).padStart(12, '0')}.log`;

/**
 * A write-ahead log on local disk. The collector acknowledges a request once its normalized data
 * is appended here and synced, then moves records into the store in the background; the
 * checkpoint says which records the store already has. After a crash, everything past the
 * checkpoint is replayed (the store's writers drop what they already hold).
 *
 * Records are `[u32 length][u32 crc32][payload]`; a torn record at the tail (a crash mid-write,
 * never acknowledged) is cut off when the spool is opened.
 */
export class Spool {
  readonly dir: string;
  /**
   * Random identity of this spool, kept with it: record positions restart in a new spool, so
   * anything keyed by position (insert deduplication tokens) is also keyed by this.
   */
  readonly id: string;
  private readonly segmentBytes: number;
  private writeSegment: number;
  private writeFd: number;
  private writeOffset: number;
  private readPos: SpoolPosition;
  private readFd: { segment: number; fd: number } | undefined;
  private committed: SpoolPosition;
  private closed = false;
  /**
   * End of the group of records that was being stored when the spool was last closed, if any
   * (see {@link beginGroup}): a replay must store exactly that group again.
   */
  readonly replayGroupEnd: SpoolPosition | undefined;

  private constructor(dir: string, options: SpoolOptions) {
    this.dir = dir;
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    mkdirSync(dir, { recursive: true });
    this.id = this.readOrCreateId();
    const segments = this.segments();
    const checkpoint = this.readCheckpoint();
    this.committed = checkpoint
      ? { segment: checkpoint.segment, offset: checkpoint.offset }
      : { segment: segments[0] ?? 1, offset: 0 };
    this.replayGroupEnd = checkpoint?.groupEnd;
    this.readPos = { ...this.committed };
    this.writeSegment = Math.max(segments.at(-1) ?? 0, this.committed.segment);
    this.writeFd = openSync(join(dir, segmentName(this.writeSegment)), 'a+');
    this.writeOffset = this.repairTail(this.writeFd);
  }

  /** Opens (or creates) the spool in a directory and cuts any torn record off its tail. */
  static open(dir: string, options: SpoolOptions = {}): Spool {
    return new Spool(dir, options);
  }

  /** Appends a record; durable only after {@link sync}. */
  append(payload: Buffer): SpoolPosition {
    this.assertOpen();
    if (this.writeOffset >= this.segmentBytes) this.rotate();
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    const position = { segment: this.writeSegment, offset: this.writeOffset };
    writeSync(this.writeFd, header);
    writeSync(this.writeFd, payload);
    this.writeOffset += HEADER + payload.length;
    return position;
  }

  /** Makes every appended record durable (one fdatasync covers all appends before it). */
  async sync(): Promise<void> {
    this.assertOpen();
    // Off the event loop: a sync can take milliseconds on a busy disk.
    const fd = this.writeFd;
    await new Promise<void>((resolve, reject) =>
      fdatasync(fd, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** The next record not yet handed out since open, or undefined when caught up. */
  readNext(): SpoolRecord | undefined {
    this.assertOpen();
    for (;;) {
      const fd = this.readerFor(this.readPos.segment);
      const header = Buffer.allocUnsafe(HEADER);
      const got = readSync(fd, header, 0, HEADER, this.readPos.offset);
      if (got === HEADER) {
        const length = header.readUInt32LE(0);
        const payload = Buffer.allocUnsafe(length);
        const read = readSync(fd, payload, 0, length, this.readPos.offset + HEADER);
        if (read === length && crc32(payload) === header.readUInt32LE(4)) {
          const position = { ...this.readPos };
          this.readPos = { segment: position.segment, offset: position.offset + HEADER + length };
          return { position, next: { ...this.readPos }, payload };
        }
      }
      // End of this segment: move on if a later one exists, else we are caught up.
      if (this.readPos.segment >= this.writeSegment) return undefined;
      this.readPos = { segment: this.readPos.segment + 1, offset: 0 };
    }
  }

  /**
   * Records that everything before `next` is in the store: writes the checkpoint atomically and
   * deletes segments wholly behind it.
   */
  commit(next: SpoolPosition): void {
    this.assertOpen();
    this.writeCheckpoint({ segment: next.segment, offset: next.offset });
    this.committed = { ...next };
    for (const segment of this.segments()) {
      if (segment >= next.segment) break;
      if (this.readFd?.segment === segment) {
        closeSync(this.readFd.fd);
        this.readFd = undefined;
      }
      rmSync(join(this.dir, segmentName(segment)), { force: true });
    }
  }

  /**
   * Records, before the records from the checkpoint up to `end` are stored as one group, that
   * they form one group: a replay after a crash must insert the very same rows under the very
   * same deduplication token, so it must group them the same way ({@link replayGroupEnd}).
   */
  beginGroup(end: SpoolPosition): void {
    this.assertOpen();
    this.writeCheckpoint({
      ...this.committed,
      groupEnd: { segment: end.segment, offset: end.offset },
    });
  }

  private writeCheckpoint(checkpoint: Checkpoint): void {
    const tmp = join(this.dir, `${CHECKPOINT}.tmp`);
    writeFileSync(tmp, JSON.stringify(checkpoint));
    const fd = openSync(tmp, 'r');
    fdatasyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.dir, CHECKPOINT));
  }

  /**
   * Bytes appended but not yet committed to the store, cheaply: whole segments between the
   * checkpoint and the write position count as full. For backpressure decisions per request.
   */
  lagBytes(): number {
    if (this.writeSegment === this.committed.segment)
      return this.writeOffset - this.committed.offset;
    return (
      (this.writeSegment - this.committed.segment) * this.segmentBytes +
      this.writeOffset -
      this.committed.offset
    );
  }

  /** Bytes appended but not yet committed to the store, exactly (reads the segment sizes). */
  pendingBytes(): number {
    let total = 0;
    for (const segment of this.segments()) {
      if (segment < this.committed.segment) continue;
      const size = segment === this.writeSegment ? this.writeOffset : this.segmentSize(segment);
      total += size - (segment === this.committed.segment ? this.committed.offset : 0);
    }
    return total;
  }

  /** Closes the files; what was synced stays for the next open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.writeFd);
    if (this.readFd) closeSync(this.readFd.fd);
  }

  private readOrCreateId(): string {
    const file = join(this.dir, 'id');
    try {
      const existing = readFileSync(file, 'utf8').trim();
      if (/^[0-9a-f]{32}$/.test(existing)) return existing;
    } catch {
      // A new spool.
    }
    const created = randomBytes(16).toString('hex');
    writeFileSync(file, created);
    return created;
  }

  private segments(): number[] {
    return readdirSync(this.dir)
      .map((name) => SEGMENT.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private segmentSize(segment: number): number {
    const fd = openSync(join(this.dir, segmentName(segment)), 'r');
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  }

  private readCheckpoint(): Checkpoint | undefined {
    const isPosition = (p: SpoolPosition | undefined): p is SpoolPosition =>
      p !== undefined && Number.isInteger(p.segment) && Number.isInteger(p.offset);
    try {
      const parsed = JSON.parse(readFileSync(join(this.dir, CHECKPOINT), 'utf8')) as Checkpoint;
      if (isPosition(parsed)) {
        const { groupEnd } = parsed;
        return {
          segment: parsed.segment,
          offset: parsed.offset,
          ...(isPosition(groupEnd) ? { groupEnd } : {}),
        };
      }
    } catch {
      // No checkpoint yet: everything in the spool is pending.
    }
    return undefined;
  }

  /** Scans the write segment and truncates it after the last whole record. */
  private repairTail(fd: number): number {
    const size = fstatSync(fd).size;
    let offset = 0;
    const header = Buffer.allocUnsafe(HEADER);
    while (offset + HEADER <= size) {
      readSync(fd, header, 0, HEADER, offset);
      const length = header.readUInt32LE(0);
      if (length > MAX_RECORD || offset + HEADER + length > size) break;
      const payload = Buffer.allocUnsafe(length);
      readSync(fd, payload, 0, length, offset + HEADER);
      if (crc32(payload) !== header.readUInt32LE(4)) break;
      offset += HEADER + length;
    }
    if (offset < size) ftruncateSync(fd, offset);
    return offset;
  }

  private rotate(): void {
    fdatasyncSync(this.writeFd);
    closeSync(this.writeFd);
    this.writeSegment++;
    this.writeFd = openSync(join(this.dir, segmentName(this.writeSegment)), 'a+');
    this.writeOffset = 0;
  }

  private readerFor(segment: number): number {
    if (this.readFd?.segment === segment) return this.readFd.fd;
    if (this.readFd) closeSync(this.readFd.fd);
    this.readFd = { segment, fd: openSync(join(this.dir, segmentName(segment)), 'r') };
    return this.readFd.fd;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('spool is closed');
  }
}
