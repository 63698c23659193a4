/**
 * @module
 * The one error type the OTLP decoders throw for a request body that cannot be decoded at all.
 * Per-span problems (bad ids, impossible times) are not errors: see `validate-span.ts`.
 */

/** Why a request body could not be decoded. Routes map every code to HTTP 400. */
export const OTLP_DECODE_ERROR_CODES = {
  /** The body ends inside a tag, a varint, a fixed-width value or a length-delimited field. */
  truncated: 'TRUNCATED',
  /** A tag carries wire type 6 or 7, or an end-group with no matching start-group. */
  invalidWireType: 'INVALID_WIRE_TYPE',
  /** A tag has field number 0 or does not fit in 32 bits. */
  invalidTag: 'INVALID_TAG',
  /** A length prefix points past the end of the enclosing message. */
  lengthOutOfRange: 'LENGTH_OUT_OF_RANGE',
  /** A varint continues past its 10th byte. */
  varintTooLong: 'VARINT_TOO_LONG',
  /** Nested AnyValues or groups go deeper than the decoders allow. */
  nestingTooDeep: 'NESTING_TOO_DEEP',
  /** The body is not JSON. */
  invalidJson: 'INVALID_JSON',
  /** A JSON field has the wrong type or an unparseable value. */
  invalidField: 'INVALID_FIELD',
} as const;

export type OtlpDecodeErrorCode =
  (typeof OTLP_DECODE_ERROR_CODES)[keyof typeof OTLP_DECODE_ERROR_CODES];

/**
 * A request body that is not a decodable ExportTraceServiceRequest. The whole request is bad
 * (HTTP 400, not retryable), unlike a single invalid span, which is rejected through OTLP partial
 * success.
 *
 * @example
 * ```ts
 * try {
 *   decodeProtobufTraces(body);
 * } catch (err) {
 *   if (err instanceof OtlpDecodeError) return badRequest(err.message);
 *   throw err;
 * }
 * ```
 */
export class OtlpDecodeError extends Error {
  /** A stable machine-readable reason; the message is for humans and may change. */
  readonly code: OtlpDecodeErrorCode;

  /**
   * @param code one of {@link OTLP_DECODE_ERROR_CODES}
   * @param message what is wrong and where (byte offset or JSON path)
   * @param options `cause` for an underlying error such as a `SyntaxError` from `JSON.parse`
   */
  constructor(code: OtlpDecodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OtlpDecodeError';
    this.code = code;
  }
}
