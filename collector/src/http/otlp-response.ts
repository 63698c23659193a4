import {
  encodeStatusJson,
  encodeStatusProtobuf,
  encodeTraceResponseJson,
  encodeTraceResponseProtobuf,
  type PartialSuccess,
} from '../otlp/encode-response.ts';

/** The two OTLP/HTTP encodings; a response uses the request's. */
export type OtlpEncoding = 'protobuf' | 'json';

export const CONTENT_TYPES: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** The encoding a Content-Type names, if it is one OTLP/HTTP defines. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

/** A successful export response, with partial success when spans were rejected. */
export function exportResponse(encoding: OtlpEncoding, partial?: PartialSuccess): Response {
  const body =
    encoding === 'protobuf'
      ? encodeTraceResponseProtobuf(partial)
      : encodeTraceResponseJson(partial);
  return new Response(body, { status: 200, headers: { 'content-type': CONTENT_TYPES[encoding] } });
}

/** An error response carrying a google.rpc.Status, as OTLP/HTTP requires. */
export function statusResponse(
  encoding: OtlpEncoding,
  httpStatus: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const body =
    encoding === 'protobuf'
      ? encodeStatusProtobuf({ code, message })
      : encodeStatusJson({ code, message });
  return new Response(body, {
    status: httpStatus,
    headers: { 'content-type': CONTENT_TYPES[encoding], ...headers },
  });
}
