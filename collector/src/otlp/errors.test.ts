import { describe, expect, it } from 'vitest';
import { OTLP_DECODE_ERROR_CODES, OtlpDecodeError } from './errors.ts';

describe('OtlpDecodeError', () => {
  it('is an Error with a name, a stable code and the message', () => {
    const err = new OtlpDecodeError(OTLP_DECODE_ERROR_CODES.truncated, 'cut short at byte 3');
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(OtlpDecodeError);
    expect(err.name).toBe('OtlpDecodeError');
    expect(err.code).toBe('TRUNCATED');
    expect(err.message).toBe('cut short at byte 3');
    expect(String(err)).toBe('OtlpDecodeError: cut short at byte 3');
  });

  it('keeps the cause', () => {
    const cause = new SyntaxError('Unexpected token');
    const err = new OtlpDecodeError(OTLP_DECODE_ERROR_CODES.invalidJson, 'bad', { cause });
    expect(err.cause).toBe(cause);
  });

  it('has distinct codes', () => {
    const codes = Object.values(OTLP_DECODE_ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
