import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Bodies above this are refused with 413 rather than buffered. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Thrown by {@link readBody} when the body exceeds {@link MAX_BODY_BYTES}. */
export class BodyTooLargeError extends Error {
  constructor() {
    super(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Buffers the request body, refusing oversized ones before they fill memory. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Parses a JSON object body. Anything else (empty, malformed, an array or a scalar) gives
 * undefined, which the caller answers with a provider-shaped 400.
 */
export function parseJsonObject(raw: Buffer): Record<string, unknown> | undefined {
  if (raw.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits `ms`, or less if `signal` aborts first (server closing, client gone). Never rejects:
 * callers check `signal.aborted` afterwards.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Whether the response can still be written to (the client may have hung up meanwhile). */
export function isWritable(res: ServerResponse): boolean {
  return !res.destroyed && !res.writableEnded;
}

/** Sends a complete JSON response, unless the client is already gone. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  if (!isWritable(res)) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Writes a server-sent event stream. Each event is flushed as it is written, with an optional pause
 * between events so tests can observe time to first token.
 */
export class SseWriter {
  readonly #res: ServerResponse;
  readonly #signal: AbortSignal;
  readonly #delayMs: number;
  #sent = 0;

  constructor(res: ServerResponse, signal: AbortSignal, delayMs: number) {
    this.#res = res;
    this.#signal = signal;
    this.#delayMs = delayMs;
  }

  /** Sends the 200 status line and stream headers before the first event. */
  open(headers: OutgoingHttpHeaders): void {
    if (!isWritable(this.#res)) return;
    this.#res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    });
    this.#res.flushHeaders();
  }

  /**
   * Sends one event: an `event:` line when `name` is given (Anthropic, Responses API), then the
   * JSON `data:` line. Returns false once the client is gone, so producers can stop early.
   */
  async send(name: string | undefined, data: unknown): Promise<boolean> {
    return this.#write(
      `${name === undefined ? '' : `event: ${name}\n`}data: ${JSON.stringify(data)}\n\n`,
    );
  }

  /** Sends the `data: [DONE]` terminator of OpenAI Chat Completions streams. */
  async done(): Promise<boolean> {
    return this.#write('data: [DONE]\n\n');
  }

  end(): void {
    if (isWritable(this.#res)) this.#res.end();
  }

  async #write(text: string): Promise<boolean> {
    if (this.#sent > 0) await sleep(this.#delayMs, this.#signal);
    if (this.#signal.aborted || !isWritable(this.#res)) return false;
    this.#sent += 1;
    this.#res.write(text);
    return true;
  }
}
