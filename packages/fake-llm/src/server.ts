/**
 * The fake OpenAI + Anthropic HTTP server: records each request, picks its scripted reply and
 * hands it to the endpoint's route.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newRequestId, type Provider, requestIdHeader, sendError } from './errors.ts';
import { BodyTooLargeError, isWritable, parseJsonObject, readBody, sleep } from './http-io.ts';
import { assertValidReply, ReplyQueue } from './reply-queue.ts';
import { checkRequiredFields } from './route.ts';
import { findRoute, guessProvider } from './route-table.ts';
import type {
  FakeLlm,
  FakeLlmOptions,
  ModelPrice,
  RecordedRequest,
  ScriptedError,
  ScriptedReply,
} from './types.ts';
import { apiKeyId, type BilledCall, requestApiKey, UsageLedger } from './usage-ledger.ts';

/** Longer than the SDKs' idle pools keep sockets, so a benchmark reuses connections. */
const KEEP_ALIVE_MS = 30_000;

const BAD_JSON: Readonly<Record<Provider, string>> = {
  openai:
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
  anthropic: 'There was an error parsing the body of your request: expected a JSON object.',
};

class FakeLlmServer implements FakeLlm {
  readonly url: string;
  readonly port: number;
  readonly openaiBaseUrl: string;
  readonly anthropicBaseUrl: string;
  readonly #server: Server;
  readonly #queue = new ReplyQueue();
  readonly #requests: RecordedRequest[] = [];
  readonly #defaultReply: ScriptedReply;
  readonly #record: boolean;
  readonly #ledger: UsageLedger;
  readonly #prices: Readonly<Record<string, ModelPrice>>;
  readonly #now: () => number;
  readonly #adminKey: string | undefined;
  /**
   * One controller per request in flight, aborted when its client goes away or by close(), which
   * cuts every pending latency and stream short. A set rather than AbortSignal.any() on a
   * server-wide signal, so nothing stays registered per finished request during long benchmarks.
   */
  readonly #inFlight = new Set<AbortController>();
  #closed: Promise<void> | undefined;

  constructor(server: Server, options: FakeLlmOptions) {
    this.#server = server;
    const address = server.address() as AddressInfo;
    this.port = address.port;
    this.url = `http://${urlHost(address.address)}:${this.port}`;
    this.openaiBaseUrl = `${this.url}/v1`;
    this.anthropicBaseUrl = this.url;
    this.#defaultReply = { ...options.defaultReply, path: undefined };
    this.#record = options.recordRequests ?? true;
    this.#ledger = new UsageLedger(options.usageCapacity ?? 100_000);
    this.#prices = options.prices ?? {};
    this.#now = options.now ?? Date.now;
    this.#adminKey = options.adminKey;
  }

  get billedCalls(): readonly BilledCall[] {
    return this.#ledger.calls;
  }

  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  get pendingReplies(): number {
    return this.#queue.size;
  }

  enqueue(...replies: ScriptedReply[]): void {
    this.#queue.enqueue(replies);
  }

  script(...replies: ScriptedReply[]): void {
    for (const reply of replies) assertValidReply(reply);
    this.#queue.clear();
    this.#queue.enqueue(replies);
  }

  reset(): void {
    this.#requests.length = 0;
    this.#queue.clear();
    this.#ledger.clear();
  }

  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    for (const controller of this.#inFlight) controller.abort();
    this.#closed = new Promise((resolve) => this.#server.close(() => resolve()));
    // Idle keep-alive sockets and open streams would otherwise hold close() for seconds.
    this.#server.closeAllConnections();
    return this.#closed;
  }

  /** Answers one request; every failure becomes a provider-shaped error, never a crash. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A client that hangs up mid-response makes writes fail; the request is over either way.
    res.on('error', () => {});
    const controller = new AbortController();
    this.#inFlight.add(controller);
    res.on('close', () => {
      controller.abort();
      this.#inFlight.delete(controller);
    });
    const { signal } = controller;
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const route = findRoute(method, path);
    const provider = route?.provider ?? guessProvider(path, req.headers);
    const requestId = newRequestId(provider);
    const fail = (error: ScriptedError, param?: string | null): void =>
      sendError(res, provider, error, requestId, { param });

    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) return; // the client aborted the upload
      res.setHeader('connection', 'close');
      fail({
        status: 413,
        message: err.message,
        type: provider === 'anthropic' ? 'request_too_large' : 'invalid_request_error',
      });
      return;
    }
    const body = parseJsonObject(raw);
    if (this.#record)
      this.#requests.push({ method, path, url, body, headers: req.headers, time: this.#now() });

    if (!route) {
      fail({
        status: 404,
        message: provider === 'openai' ? `Invalid URL (${method} ${path})` : 'Not Found',
        // A wrong URL is not a missing model: OpenAI sends no code here.
        code: null,
      });
      return;
    }
    if (route.method === 'POST') {
      if (!body) return fail({ status: 400, message: BAD_JSON[provider] });
      const invalid = checkRequiredFields(route, body);
      if (invalid) return fail(invalid, invalid.param);
    }

    const reply = this.#queue.take(path, route.billed) ?? this.#defaultReply;
    await sleep(reply.latencyMs ?? 0, signal);
    if (signal.aborted) return;
    if (reply.error) {
      sendError(res, provider, reply.error, requestId, { headers: reply.headers });
      return;
    }
    const key = requestApiKey(provider, req.headers);
    const project = req.headers['openai-project'];
    await route.handle({
      body: body ?? {},
      reply,
      res,
      signal,
      headers: { ...requestIdHeader(provider, requestId), ...reply.headers },
      query: new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''),
      requestHeaders: req.headers,
      bill: (model, usage, serviceTier) =>
        this.#ledger.add({
          time: this.#now(),
          provider,
          model,
          usage,
          apiKeyId: key === null ? null : apiKeyId(provider, key),
          projectId: provider === 'openai' && typeof project === 'string' ? project : null,
          serviceTier,
        }),
      fake: {
        ledger: this.#ledger,
        prices: this.#prices,
        now: this.#now,
        adminKey: this.#adminKey,
      },
    });
  }
}

/** The host part of a URL that reaches this address: a wildcard is reached through loopback. */
function urlHost(address: string): string {
  if (address === '0.0.0.0' || address === '::') return '127.0.0.1';
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * Starts the fake OpenAI + Anthropic API on 127.0.0.1 (or `options.host`). Point the real SDKs at
 * it with `baseURL: fake.openaiBaseUrl` / `baseURL: fake.anthropicBaseUrl` and any API key.
 *
 * @param options.host Address to listen on. @default '127.0.0.1'
 * @param options.port Port to listen on. @default 0 (a free port)
 * @param options.defaultReply Reply when nothing scripted applies. @default {}
 * @param options.recordRequests Record requests in `fake.requests`. @default true
 * @returns the running server; call `close()` when done
 * @example
 * ```ts
 * const fake = await startFakeLlm();
 * fake.enqueue({ model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 20, cacheRead: 100, output: 30 } });
 * const openai = new OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl });
 * const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
 * completion.usage?.prompt_tokens; // 120
 * await fake.close();
 * ```
 */
export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  if (options.defaultReply) assertValidReply(options.defaultReply);
  let fake: FakeLlmServer | undefined;
  const server = createServer((req, res) => {
    fake?.handle(req, res).catch((err: unknown) => {
      // A bug in a route must not take the server down; report it the way the provider would.
      const provider = guessProvider(req.url ?? '/', req.headers);
      if (!res.headersSent) {
        const message = `fake-llm internal error: ${err instanceof Error ? err.message : String(err)}`;
        sendError(res, provider, { status: 500, message }, newRequestId(provider));
      } else if (isWritable(res)) res.destroy();
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  fake = new FakeLlmServer(server, options);
  return fake;
}
