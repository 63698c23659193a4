/**
 * @module
 * Random OTLP requests encoded by protobufjs, and protobufjs's decoding of any body converted
 * to the decoded shape: the independent oracle the hand-written decoder is checked against.
 */
import type { Attributes, AttributeValue, DecodedTraces } from '../../../src/otlp/types.ts';
import { SPAN_KINDS, STATUS_CODES } from '../../../src/otlp/types.ts';
import { loadOtlpTraceTypes } from './otlp-trace-proto.ts';
import type { Prng } from './prng.ts';

type Plain = { [key: string]: unknown };

const WORDS = ['', 'chat', 'gen_ai.system', 'ключ', '値🚀', 'a'.repeat(70), 'x y z', 'é'];
const ID_LENGTHS = [16, 8, 0, 3, 17];

function randomString(prng: Prng): string {
  return prng.int(3) === 0 ? `${prng.pick(WORDS)}${prng.int(1000)}` : prng.pick(WORDS);
}

function randomInt64(prng: Prng): string {
  const choices = [
    () => String(prng.int(1000) - 500),
    () => String(BigInt(prng.int(2 ** 31)) * BigInt(prng.int(2 ** 31)) * (prng.int(2) ? 1n : -1n)),
    () => String(2n ** 53n + BigInt(prng.int(3)) - 1n),
    () => '-9223372036854775808',
    () => '9223372036854775807',
  ];
  return prng.pick(choices)();
}

function randomAnyValue(prng: Prng, depth: number): Plain {
  switch (prng.int(depth > 2 ? 6 : 8)) {
    case 0:
      return { stringValue: randomString(prng) };
    case 1:
      return { boolValue: prng.int(2) === 1 };
    case 2:
      return { intValue: randomInt64(prng) };
    case 3:
      return { doubleValue: prng.pick([0, -0.5, 1e300, Number.NaN, -Infinity, prng.next()]) };
    case 4:
      return { bytesValue: prng.bytes(prng.int(5)) };
    case 5:
      return {};
    case 6:
      return {
        arrayValue: {
          values: Array.from({ length: prng.int(4) }, () => randomAnyValue(prng, depth + 1)),
        },
      };
    default:
      return { kvlistValue: { values: randomKeyValues(prng, depth + 1) } };
  }
}

function randomKeyValues(prng: Prng, depth: number): Plain[] {
  return Array.from({ length: prng.int(5) }, () => ({
    key: prng.int(4) === 0 ? 'dup' : `k${prng.int(100)}`,
    value: randomAnyValue(prng, depth),
  }));
}

function randomTime(prng: Prng): string {
  return prng.pick([
    '0',
    '1760000000123456789',
    '18446744073709551615',
    String(BigInt(prng.int(2 ** 31)) * 1_000_000_007n),
  ]);
}

/** A random ExportTraceServiceRequest as a protobufjs plain object. */
export function randomRequest(prng: Prng): Plain {
  const id = () => prng.bytes(prng.pick(ID_LENGTHS));
  const span = (): Plain => ({
    traceId: id(),
    spanId: id(),
    traceState: randomString(prng),
    parentSpanId: prng.int(2) ? id() : new Uint8Array(0),
    flags: prng.int(1024),
    name: randomString(prng),
    kind: prng.int(7),
    startTimeUnixNano: randomTime(prng),
    endTimeUnixNano: randomTime(prng),
    attributes: randomKeyValues(prng, 0),
    droppedAttributesCount: prng.int(3),
    events: Array.from({ length: prng.int(3) }, () => ({
      timeUnixNano: randomTime(prng),
      name: randomString(prng),
      attributes: randomKeyValues(prng, 0),
      droppedAttributesCount: prng.int(2),
    })),
    droppedEventsCount: prng.int(2),
    links: Array.from({ length: prng.int(3) }, () => ({
      traceId: id(),
      spanId: id(),
      traceState: randomString(prng),
      attributes: randomKeyValues(prng, 0),
      flags: prng.int(512),
    })),
    ...(prng.int(3) ? { status: { message: randomString(prng), code: prng.int(4) } } : {}),
  });
  return {
    resourceSpans: Array.from({ length: prng.int(3) }, () => ({
      ...(prng.int(4) ? { resource: { attributes: randomKeyValues(prng, 0) } } : {}),
      scopeSpans: Array.from({ length: prng.int(3) }, () => ({
        ...(prng.int(4)
          ? {
              scope: {
                name: randomString(prng),
                version: randomString(prng),
                attributes: randomKeyValues(prng, 0),
              },
            }
          : {}),
        spans: Array.from({ length: prng.int(4) }, span),
        schemaUrl: randomString(prng),
      })),
    })),
  };
}

/** Encodes a plain request object with protobufjs. */
export function encodeWithProtobufjs(request: Plain): Uint8Array {
  const { request: type } = loadOtlpTraceTypes();
  return type.encode(type.fromObject(request)).finish();
}

const list = (value: unknown): Plain[] => (Array.isArray(value) ? (value as Plain[]) : []);
const hex = (value: unknown): string => Buffer.from(value as Uint8Array).toString('hex');
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function int64(value: string): number | bigint {
  const big = BigInt(value);
  return Number.isSafeInteger(Number(big)) && BigInt(Number(big)) === big ? Number(big) : big;
}

function anyValue(value: Plain | undefined): AttributeValue {
  if (value === undefined || value === null) return null;
  switch (value.value) {
    case 'stringValue':
      return value.stringValue as string;
    case 'boolValue':
      return value.boolValue as boolean;
    case 'intValue':
      return int64(value.intValue as string);
    case 'doubleValue':
      return value.doubleValue as number;
    case 'bytesValue':
      return Uint8Array.from(value.bytesValue as Uint8Array);
    case 'arrayValue':
      return list((value.arrayValue as Plain).values).map(anyValue);
    case 'kvlistValue':
      return attributes((value.kvlistValue as Plain).values);
    default:
      return null;
  }
}

function attributes(value: unknown): Attributes {
  const out: Attributes = {};
  for (const kv of list(value)) out[text(kv.key)] = anyValue(kv.value as Plain | undefined);
  return out;
}

/** Decodes a body with protobufjs and converts the result to the decoded shape. */
export function decodeWithProtobufjs(body: Uint8Array): DecodedTraces {
  const { request: type } = loadOtlpTraceTypes();
  const obj = type.toObject(type.decode(body), {
    longs: String,
    enums: Number,
    bytes: Array,
    defaults: true,
    oneofs: true,
  }) as Plain;
  return {
    resourceSpans: list(obj.resourceSpans).map((rs) => ({
      resource: { attributes: attributes((rs.resource as Plain | null)?.attributes) },
      scopeSpans: list(rs.scopeSpans).map((ss) => {
        const scope = (ss.scope as Plain | null) ?? {};
        return {
          scope: {
            name: text(scope.name),
            version: text(scope.version),
            attributes: attributes(scope.attributes),
          },
          spans: list(ss.spans).map((s) => {
            const status = (s.status as Plain | null) ?? {};
            return {
              traceId: hex(s.traceId),
              spanId: hex(s.spanId),
              parentSpanId: hex(s.parentSpanId),
              traceState: text(s.traceState),
              name: text(s.name),
              kind: SPAN_KINDS[s.kind as number] ?? 'UNSPECIFIED',
              startTimeUnixNano: BigInt(s.startTimeUnixNano as string),
              endTimeUnixNano: BigInt(s.endTimeUnixNano as string),
              attributes: attributes(s.attributes),
              droppedAttributesCount: s.droppedAttributesCount as number,
              events: list(s.events).map((e) => ({
                timeUnixNano: BigInt(e.timeUnixNano as string),
                name: text(e.name),
                attributes: attributes(e.attributes),
              })),
              links: list(s.links).map((l) => ({
                traceId: hex(l.traceId),
                spanId: hex(l.spanId),
                traceState: text(l.traceState),
                attributes: attributes(l.attributes),
              })),
              status: {
                code: STATUS_CODES[(status.code as number | undefined) ?? 0] ?? 'UNSET',
                message: text(status.message),
              },
            };
          }),
        };
      }),
    })),
  };
}
