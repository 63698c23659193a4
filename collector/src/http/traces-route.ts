import type { TenantVariables } from '@tokenwatch/auth';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { BackpressureError } from '../ingest/group-commit.ts';
import type { Ingestor } from '../ingest/ingestor.ts';
import { decodeJsonTraces } from '../otlp/decode-json.ts';
import { decodeProtobufTraces } from '../otlp/decode-protobuf.ts';
import { RPC_CODES } from '../otlp/encode-response.ts';
import { OtlpDecodeError } from '../otlp/errors.ts';
import type { DecodedTraces } from '../otlp/types.ts';
import { encodingOf, exportResponse, type OtlpEncoding, statusResponse } from './otlp-response.ts';
import { readBody } from './read-body.ts';

const RPC_FOR_STATUS: Record<number, number> = {
  400: RPC_CODES.invalidArgument,
  401: 16, // UNAUTHENTICATED
  413: RPC_CODES.invalidArgument,
  415: RPC_CODES.invalidArgument,
  429: RPC_CODES.resourceExhausted,
  503: RPC_CODES.unavailable,
};

/**
 * `POST /v1/traces` per OTLP/HTTP: protobuf or JSON, optionally gzip; answers in the request's
 * encoding; 200 once the spans are durable (with partial success for spans rejected one by one),
 * 400 for a body that cannot be decoded, 413 over the size limit, 415 for other media types,
 * 429/503 with Retry-After when the collector or the store cannot keep up.
 */
export function tracesRoute(
  ingestor: Ingestor,
  /** The body limit, or a function read per request (it follows configuration reloads). */
  maxBodyBytes: number | (() => number),
): Hono<{ Variables: TenantVariables }> {
  const bodyLimit = typeof maxBodyBytes === 'function' ? maxBodyBytes : () => maxBodyBytes;
  const app = new Hono<{ Variables: TenantVariables }>();
  app.post('/v1/traces', async (c) => {
    const started = performance.now();
    const encoding = encodingOf(c.req.header('content-type'));
    let response: Response;
    if (!encoding) {
      ingestor.rejectRequest(c.get('tenant'), 'HTTP 415: unsupported content type');
      response = statusResponse(
        'json',
        415,
        RPC_CODES.invalidArgument,
        'Content-Type must be application/x-protobuf or application/json',
      );
    } else {
      response = await handle(encoding);
    }
    ingestor.metrics.requests.inc({ status: String(response.status) });
    if (response.status === 200)
      ingestor.metrics.batchSeconds.observe((performance.now() - started) / 1000);
    return response;

    async function handle(enc: OtlpEncoding): Promise<Response> {
      let traces: DecodedTraces;
      try {
        const body = await readBody(c.req.raw, bodyLimit());
        traces = enc === 'protobuf' ? decodeProtobufTraces(body) : decodeJsonTraces(body);
      } catch (err) {
        if (err instanceof OtlpDecodeError) {
          ingestor.rejectRequest(c.get('tenant'), `malformed ${enc} body`);
          return statusResponse(enc, 400, RPC_CODES.invalidArgument, err.message);
        }
        if (err instanceof HTTPException) {
          ingestor.rejectRequest(c.get('tenant'), `HTTP ${err.status}: ${err.message}`);
          return statusResponse(
            enc,
            err.status,
            RPC_FOR_STATUS[err.status] ?? RPC_CODES.invalidArgument,
            err.message,
          );
        }
        throw err;
      }
      try {
        const result = await ingestor.ingest(c.get('tenant'), traces);
        if (result.rejected.length === 0) return exportResponse(enc);
        const shown = result.rejected
          .slice(0, 5)
          .map((r) => `span ${r.spanId || '(no id)'}: ${r.reason}`);
        const more =
          result.rejected.length > shown.length
            ? `; and ${result.rejected.length - shown.length} more`
            : '';
        return exportResponse(enc, {
          rejectedSpans: result.rejected.length,
          errorMessage: `${shown.join('; ')}${more}`,
        });
      } catch (err) {
        if (err instanceof BackpressureError) {
          return statusResponse(enc, err.status, RPC_FOR_STATUS[err.status]!, err.message, {
            'retry-after': String(err.retryAfterSeconds),
          });
        }
        throw err;
      }
    }
  });
  return app;
}
