/**
 * @module
 * Marks a request of the ingest benchmark so a query can find exactly its calls: the batch's
 * `service.name` resource value is overwritten in place with `probe` and the request's sequence
 * in hex. The value keeps its length, so no enclosing length prefix changes and the loader still
 * only patches bytes. `service` is a column of `llm_calls` and a key of the rollup
 * `llm_usage_1m`, so one marker finds the request's calls in both.
 */

const KEY = Buffer.from('service.name');
// KeyValue.key (field 1, length-delimited) holding "service.name", then KeyValue.value (field 2).
const KEY_PATTERN = Buffer.concat([Buffer.from([0x0a, KEY.length]), KEY, Buffer.from([0x12])]);
const PREFIX = 'probe';
const HEX_DIGITS = 8;

/** Where a batch's `service.name` string sits (offset and length of its UTF-8 bytes). */
export type MarkerSlot = { offset: number; length: number };

/**
 * Finds the one `service.name` resource value of an encoded export request. Fails when there is
 * none, several, or one too short to hold a marker: the corpus is generated, so that is a bug.
 */
export function findMarkerSlot(bytes: Buffer): MarkerSlot {
  const at = bytes.indexOf(KEY_PATTERN);
  if (at < 0 || bytes.indexOf(KEY_PATTERN, at + 1) >= 0)
    throw new Error('expected exactly one service.name attribute per batch');
  // AnyValue length, then AnyValue.string_value (field 1, length-delimited); both under 128
  // bytes, so each length is one varint byte.
  let pos = at + KEY_PATTERN.length + 1;
  if (bytes[pos] !== 0x0a) throw new Error('service.name is not a string value');
  const length = bytes[pos + 1]!;
  pos += 2;
  if (length >= 0x80 || length < PREFIX.length + HEX_DIGITS)
    throw new Error(`service.name of ${length} bytes cannot hold a probe marker`);
  return { offset: pos, length };
}

/** The `service.name` a marked request carries. */
export function markerName(sequence: number, slot: MarkerSlot): string {
  const hex = (sequence >>> 0).toString(16).padStart(HEX_DIGITS, '0');
  return PREFIX + hex.padStart(slot.length - PREFIX.length, '0');
}

/** Writes the marker of `sequence` into a patched copy of the batch; returns the name written. */
export function writeMarker(out: Buffer, slot: MarkerSlot, sequence: number): string {
  const name = markerName(sequence, slot);
  out.write(name, slot.offset, slot.length, 'latin1');
  return name;
}
