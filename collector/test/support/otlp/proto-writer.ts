/**
 * @module
 * A tiny protobuf writer for hand-built test messages: unknown fields, wrong wire types,
 * corrupt lengths and other bytes no real encoder would produce.
 */

/** Bytes of a varint; negative numbers are written as 64-bit two's complement (10 bytes). */
export function varint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

/** A tag: field number and wire type. */
export function tag(field: number, wireType: number): Uint8Array {
  // Arithmetic, not `<<`: field numbers go up to 2^29 - 1, which overflows an int32 shift.
  return varint(BigInt(field) * 8n + BigInt(wireType));
}

/** A varint field (wire type 0). */
export function fieldVarint(field: number, value: number | bigint): Uint8Array {
  return concat(tag(field, 0), varint(value));
}

/** A length-delimited field (wire type 2) holding raw bytes or a sub-message. */
export function fieldBytes(field: number, ...payload: Uint8Array[]): Uint8Array {
  const body = concat(...payload);
  return concat(tag(field, 2), varint(body.length), body);
}

/** A UTF-8 string field. */
export function fieldString(field: number, value: string): Uint8Array {
  return fieldBytes(field, new TextEncoder().encode(value));
}

/** A fixed64 field (wire type 1), little-endian. */
export function fieldFixed64(field: number, value: bigint): Uint8Array {
  const body = new Uint8Array(8);
  new DataView(body.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return concat(tag(field, 1), body);
}

/** A double field (wire type 1). */
export function fieldDouble(field: number, value: number): Uint8Array {
  const body = new Uint8Array(8);
  new DataView(body.buffer).setFloat64(0, value, true);
  return concat(tag(field, 1), body);
}

/** A fixed32 field (wire type 5). */
export function fieldFixed32(field: number, value: number): Uint8Array {
  const body = new Uint8Array(4);
  new DataView(body.buffer).setUint32(0, value >>> 0, true);
  return concat(tag(field, 5), body);
}

/** A group (wire types 3 and 4) around already-encoded fields. */
export function fieldGroup(field: number, ...fields: Uint8Array[]): Uint8Array {
  return concat(tag(field, 3), ...fields, tag(field, 4));
}

/** Bytes from a hex string, for ids. */
export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/**
 * One unknown field of every wire type, with field numbers no OTLP message uses (and one
 * nested group), to prove the decoders skip them at any level.
 */
export function unknownFieldsOfEveryWireType(): Uint8Array {
  return concat(
    fieldVarint(1001, 2n ** 63n),
    fieldFixed64(1002, 0xdead_beefn),
    fieldString(1003, 'from a newer OTLP version'),
    fieldGroup(1004, fieldVarint(1, 7), fieldGroup(2, fieldString(3, 'nested'))),
    fieldFixed32(1005, 0xcafe),
  );
}
