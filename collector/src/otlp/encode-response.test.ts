import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { loadOtlpTraceTypes } from '../../test/support/otlp/otlp-trace-proto.ts';
import {
  encodeStatusJson,
  encodeStatusProtobuf,
  encodeTraceResponseJson,
  encodeTraceResponseProtobuf,
  RPC_CODES,
} from './encode-response.ts';

const { response, rpcStatus } = loadOtlpTraceTypes();
const toPlain = { longs: String, defaults: false };

describe('encodeTraceResponseProtobuf', () => {
  it('encodes full success as the empty message', () => {
    const bytes = encodeTraceResponseProtobuf();
    expect(bytes).toEqual(new Uint8Array(0));
    expect(ProtobufTraceSerializer.deserializeResponse(bytes)).toEqual({});
  });

  it('encodes partial success with exact bytes the official exporter reads back', () => {
    const bytes = encodeTraceResponseProtobuf({ rejectedSpans: 3, errorMessage: 'x' });
    expect([...bytes]).toEqual([0x0a, 0x05, 0x08, 0x03, 0x12, 0x01, 0x78]);
    expect(ProtobufTraceSerializer.deserializeResponse(bytes)).toEqual({
      partialSuccess: { rejectedSpans: 3, errorMessage: 'x' },
    });
  });

  it('writes partial_success even for a warning with nothing rejected', () => {
    const warning = encodeTraceResponseProtobuf({ rejectedSpans: 0, errorMessage: 'slow down' });
    expect(response.toObject(response.decode(warning), toPlain)).toEqual({
      partialSuccess: { errorMessage: 'slow down' },
    });
    expect([...encodeTraceResponseProtobuf({ rejectedSpans: 0n, errorMessage: '' })]).toEqual([
      0x0a, 0x00,
    ]);
  });

  it('encodes large counts and non-ASCII messages', () => {
    const bytes = encodeTraceResponseProtobuf({
      rejectedSpans: 2n ** 63n - 1n,
      errorMessage: 'span d3adb33f: trace id is all zeros — rejected ✗',
    });
    expect(response.toObject(response.decode(bytes), toPlain)).toEqual({
      partialSuccess: {
        rejectedSpans: '9223372036854775807',
        errorMessage: 'span d3adb33f: trace id is all zeros — rejected ✗',
      },
    });
    const many = encodeTraceResponseProtobuf({ rejectedSpans: 300, errorMessage: 'm'.repeat(200) });
    expect(response.toObject(response.decode(many), toPlain)).toEqual({
      partialSuccess: { rejectedSpans: '300', errorMessage: 'm'.repeat(200) },
    });
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53, -1n, 2n ** 63n])(
    'refuses rejectedSpans %s',
    (rejectedSpans) => {
      expect(() => encodeTraceResponseProtobuf({ rejectedSpans, errorMessage: '' })).toThrow(
        RangeError,
      );
      expect(() => encodeTraceResponseJson({ rejectedSpans, errorMessage: '' })).toThrow(
        RangeError,
      );
    },
  );
});

describe('encodeTraceResponseJson', () => {
  it('encodes full success as {}', () => {
    expect(encodeTraceResponseJson()).toBe('{}');
  });

  it('writes rejectedSpans as a decimal string, as proto3 JSON does for int64', () => {
    const json = encodeTraceResponseJson({
      rejectedSpans: 3n,
      errorMessage: 'end time is before start time',
    });
    expect(json).toBe(
      '{"partialSuccess":{"rejectedSpans":"3","errorMessage":"end time is before start time"}}',
    );
    expect(JsonTraceSerializer.deserializeResponse(Buffer.from(json))).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: 'end time is before start time' },
    });
    // A proto3 JSON reader (protobufjs fromObject) accepts the string form.
    expect(response.toObject(response.fromObject(JSON.parse(json)), toPlain)).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: 'end time is before start time' },
    });
  });

  it('escapes the message and keeps an explicit zero for warnings', () => {
    expect(encodeTraceResponseJson({ rejectedSpans: 0, errorMessage: 'a "quoted"\nline' })).toBe(
      '{"partialSuccess":{"rejectedSpans":"0","errorMessage":"a \\"quoted\\"\\nline"}}',
    );
  });
});

describe('google.rpc.Status', () => {
  it('encodes code and message as protobuf', () => {
    const bytes = encodeStatusProtobuf({ code: RPC_CODES.invalidArgument, message: 'bad' });
    expect([...bytes]).toEqual([0x08, 0x03, 0x12, 0x03, 0x62, 0x61, 0x64]);
    expect(rpcStatus.toObject(rpcStatus.decode(bytes))).toEqual({ code: 3, message: 'bad' });
  });

  it('omits zero values and sign-extends negative codes like any int32', () => {
    expect([...encodeStatusProtobuf({ code: 0, message: '' })]).toEqual([]);
    const negative = encodeStatusProtobuf({ code: -1, message: '' });
    expect(negative).toHaveLength(11);
    expect(rpcStatus.toObject(rpcStatus.decode(negative))).toEqual({ code: -1 });
    const unavailable = encodeStatusProtobuf({ code: RPC_CODES.unavailable, message: 'é' });
    expect(rpcStatus.toObject(rpcStatus.decode(unavailable))).toEqual({ code: 14, message: 'é' });
  });

  it('encodes JSON with the code as a number', () => {
    expect(encodeStatusJson({ code: 3, message: 'body is not "OTLP"' })).toBe(
      '{"code":3,"message":"body is not \\"OTLP\\""}',
    );
  });

  it.each([1.5, 2 ** 31, -(2 ** 31) - 1, Number.NaN])('refuses code %s', (code) => {
    expect(() => encodeStatusProtobuf({ code, message: '' })).toThrow(RangeError);
    expect(() => encodeStatusJson({ code, message: '' })).toThrow(RangeError);
  });
});
