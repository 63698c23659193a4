import { appendFileSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool } from './spool.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'tokenwatch-spool-'));
const text = (record: { payload: Buffer } | undefined) => record?.payload.toString();

describe('Spool', () => {
  it('reads back what was appended, in order', async () => {
    const spool = Spool.open(dir());
    spool.append(Buffer.from('one'));
    spool.append(Buffer.from('two'));
    await spool.sync();
    expect(text(spool.readNext())).toBe('one');
    expect(text(spool.readNext())).toBe('two');
    expect(spool.readNext()).toBeUndefined();
    spool.append(Buffer.from('three'));
    expect(text(spool.readNext())).toBe('three');
    spool.close();
  });

  it('replays everything after the checkpoint when reopened', async () => {
    const d = dir();
    const first = Spool.open(d);
    for (const word of ['a', 'b', 'c']) first.append(Buffer.from(word));
    await first.sync();
    const a = first.readNext()!;
    first.commit(a.next);
    first.readNext(); // b handed out but never committed: the store may not have it
    first.close();

    const second = Spool.open(d);
    expect(text(second.readNext())).toBe('b');
    expect(text(second.readNext())).toBe('c');
    expect(second.readNext()).toBeUndefined();
    expect(second.pendingBytes()).toBe(2 * (8 + 1));
    second.close();
  });

  it('cuts a torn record off the tail and keeps the whole ones', async () => {
    const d = dir();
    const spool = Spool.open(d);
    spool.append(Buffer.from('whole'));
    await spool.sync();
    spool.close();
    const [segment] = readdirSync(d).filter((f) => f.endsWith('.log'));
    // A crash in the middle of a write: a header promising 100 bytes, then only 3.
    const torn = Buffer.alloc(11);
    torn.writeUInt32LE(100, 0);
    appendFileSync(join(d, segment!), torn);

    const reopened = Spool.open(d);
    expect(statSync(join(d, segment!)).size).toBe(8 + 5);
    expect(text(reopened.readNext())).toBe('whole');
    expect(reopened.readNext()).toBeUndefined();
    reopened.append(Buffer.from('after'));
    expect(text(reopened.readNext())).toBe('after');
    reopened.close();
  });

  it('stops at a record whose checksum does not match', async () => {
    const d = dir();
    const spool = Spool.open(d);
    spool.append(Buffer.from('good'));
    await spool.sync();
    spool.close();
    const [segment] = readdirSync(d).filter((f) => f.endsWith('.log'));
    const bad = Buffer.alloc(8 + 3);
    bad.writeUInt32LE(3, 0);
    bad.writeUInt32LE(12345, 4);
    appendFileSync(join(d, segment!), bad);
    const reopened = Spool.open(d);
    expect(text(reopened.readNext())).toBe('good');
    expect(reopened.readNext()).toBeUndefined();
    reopened.close();
  });

  it('rotates segments and deletes the ones the store has fully taken', async () => {
    const d = dir();
    const spool = Spool.open(d, { segmentBytes: 10 });
    for (let i = 0; i < 6; i++) spool.append(Buffer.alloc(10, i));
    await spool.sync();
    const segments = () => readdirSync(d).filter((f) => f.endsWith('.log')).length;
    expect(segments()).toBe(6);
    let last: ReturnType<Spool['readNext']>;
    for (let i = 0; i < 4; i++) last = spool.readNext();
    spool.commit(last!.next);
    // The fourth record's segment stays until the checkpoint moves past its end.
    expect(segments()).toBe(3);
    expect(spool.readNext()!.payload[0]).toBe(4);
    spool.close();
    const reopened = Spool.open(d, { segmentBytes: 10 });
    expect(reopened.readNext()!.payload[0]).toBe(4);
    expect(reopened.readNext()!.payload[0]).toBe(5);
    expect(reopened.readNext()).toBeUndefined();
    reopened.close();
  });
});

describe('Spool identity', () => {
  it('keeps its id across reopen and differs from other spools', () => {
    const d = dir();
    const a = Spool.open(d);
    const id = a.id;
    a.close();
    const again = Spool.open(d);
    expect(again.id).toBe(id);
    expect(again.id).toMatch(/^[0-9a-f]{32}$/);
    const other = Spool.open(dir());
    expect(other.id).not.toBe(id);
    again.close();
    other.close();
  });
});
