/**
 * The collector down: applications in child processes exporting to a closed loopback port must
 * exit normally and promptly, with one line on stderr saying where spans could not go and why;
 * and the exporter, in process against a real HTTP endpoint, says so once per outage and once
 * when it is over.
 */
import { createServer, type Server } from 'node:http';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BRIEF_EXPORT_TIMEOUT_MS, WatchedExporter } from '../src/span-export.ts';
import { closedPort, lines, runApp } from './child-app.ts';

let fake: FakeLlm;

beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(async () => {
  await fake?.close();
});

/** Generous: the point is that the app exits, where it used to take ten seconds or more. */
const EXIT_WITHIN_MS = 8_000;

describe('an application whose collector is down', () => {
  it.each([
    [
      'the zero-code entry (flush on beforeExit)',
      'few-calls.mjs',
      ['@tokenwatch/instrumentation/register'],
    ],
    ['register() and handle.shutdown()', 'register-and-shutdown.mjs', []],
  ])(
    '%s: exits 0 promptly with one warning naming the endpoint and the error',
    async (_label, app, preload) => {
      fake.reset();
      const port = await closedPort();
      const result = await runApp(
        app,
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          OTEL_SERVICE_NAME: 'outage-app',
          OPENAI_API_KEY: 'test',
          OPENAI_BASE_URL: fake.openaiBaseUrl,
        },
        { preload, timeoutMs: 30_000 },
      );
      expect(result.code).toBe(0);
      expect(result.ms).toBeLessThan(EXIT_WITHIN_MS);
      // The application itself was not disturbed.
      expect(fake.requests).toHaveLength(3);
      expect(lines(result.stderr)).toEqual([
        `tokenwatch: cannot export spans to http://127.0.0.1:${port}/v1/traces ` +
          `(connect ECONNREFUSED 127.0.0.1:${port}); they are dropped until it answers`,
      ]);
    },
  );
});

describe('WatchedExporter', () => {
  let receiver: Server | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    if (receiver) await new Promise((done) => receiver?.close(done));
    receiver = undefined;
  });

  /** Real spans, as a provider hands them to an exporter. */
  function someSpans(count: number): ReadableSpan[] {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracer = provider.getTracer('test');
    for (let i = 0; i < count; i++) tracer.startSpan(`span ${i}`).end();
    return memory.getFinishedSpans();
  }

  const exportOnce = (exporter: WatchedExporter, spans: ReadableSpan[]) =>
    new Promise<ExportResult>((done) => exporter.export(spans, done));

  it('warns once per outage, not per batch, tries briefly while down, and says when it is back', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/v1/traces`;
    const exporter = new WatchedExporter(new OTLPTraceExporter({ url }), {
      destination: url,
      brief: new OTLPTraceExporter({ url, timeoutMillis: BRIEF_EXPORT_TIMEOUT_MS }),
    });

    const started = performance.now();
    const down = await Promise.all([1, 2, 3].map(() => exportOnce(exporter, someSpans(2))));
    expect(down.map((r) => r.code)).toEqual([1, 1, 1].map(() => ExportResultCode.FAILED));
    // The brief exporter's budget, not the standard 10 s of retries.
    expect(performance.now() - started).toBeLessThan(BRIEF_EXPORT_TIMEOUT_MS + 1_000);
    expect(await exportOnce(exporter, someSpans(1))).toMatchObject({
      code: ExportResultCode.FAILED,
    });
    expect(written).toEqual([
      `tokenwatch: cannot export spans to ${url} (connect ECONNREFUSED 127.0.0.1:${port}); ` +
        'they are dropped until it answers\n',
    ]);

    const received: string[] = [];
    receiver = createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      req
        .resume()
        .on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((done) => receiver?.listen(port, '127.0.0.1', done));
    expect(await exportOnce(exporter, someSpans(1))).toEqual({ code: ExportResultCode.SUCCESS });
    expect(await exportOnce(exporter, someSpans(1))).toEqual({ code: ExportResultCode.SUCCESS });
    expect(received).toEqual(['POST /v1/traces', 'POST /v1/traces']);
    expect(written.slice(1)).toEqual([`tokenwatch: exporting spans to ${url} again\n`]);
    await exporter.shutdown();
  });
});
