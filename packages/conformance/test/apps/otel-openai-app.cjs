// An app instrumented as @opentelemetry/instrumentation-openai documents it: the instrumentation is
// registered before `openai` is required, and its require hook patches the module. The package
// has no manual API, and an ESM import of `openai` in a vitest test stays unpatched (that needs
// the import-in-the-middle loader registered at startup), so its row of the conformance table
// (emitters/otel-openai.ts) starts this file with plain `node`.
//
// Runs one scenario (argv[2]) against the fake provider, exports each span as it ends with the
// official OTLP protobuf exporter, and prints what it exported as one JSON line once flushed.
// Environment: TW_COLLECTOR_URL, TW_API_KEY, TW_OPENAI_BASE_URL, TW_SERVICE.
'use strict';

const { SpanStatusCode, trace } = require('@opentelemetry/api');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { NodeTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-node');

const env = process.env;
const STATUS = {
  [SpanStatusCode.UNSET]: 'UNSET',
  [SpanStatusCode.OK]: 'OK',
  [SpanStatusCode.ERROR]: 'ERROR',
};

// The same summary as the harness's RecordingExporter, so the test reads both alike.
const exported = [];
const exporter = new OTLPTraceExporter({
  url: `${env.TW_COLLECTOR_URL}/v1/traces`,
  headers: { 'x-tokenwatch-key': env.TW_API_KEY },
});
const recorder = {
  export(spans, done) {
    for (const span of spans) {
      const { traceId, spanId } = span.spanContext();
      exported.push({
        name: span.name,
        scope: span.instrumentationScope.name,
        traceId,
        spanId,
        parentSpanId: span.parentSpanContext?.spanId ?? '',
        status: STATUS[span.status.code],
        attributes: span.attributes,
      });
    }
    exporter.export(spans, done);
  },
  shutdown: () => exporter.shutdown(),
  forceFlush: () => exporter.forceFlush(),
};

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': env.TW_SERVICE }),
  spanProcessors: [new SimpleSpanProcessor(recorder)],
});
provider.register();
registerInstrumentations({ instrumentations: [new OpenAIInstrumentation()] });

// Only now: the hook patches the module as it loads.
const { OpenAI } = require('openai');

// No retries: a scripted 500 must be one request, as the test scripts one reply.
const openai = new OpenAI({ apiKey: 'sk-test', baseURL: env.TW_OPENAI_BASE_URL, maxRetries: 0 });
const messages = [{ role: 'user', content: 'What is the capital of France?' }];

const scenarios = {
  cached: () => openai.chat.completions.create({ model: 'gpt-4o', messages }),
  reasoning: () => openai.chat.completions.create({ model: 'o4-mini', messages }),
  async stream() {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _chunk of stream) {
      // Read to the end: the instrumentation ends its span when the stream is done.
    }
  },
  error: () => openai.chat.completions.create({ model: 'gpt-4o', messages }),
  agent() {
    const tracer = trace.getTracer('conformance-agent', '1.0.0');
    const attributes = {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'trip-planner',
    };
    return tracer.startActiveSpan('invoke_agent trip-planner', { attributes }, async (agent) => {
      let input = 0;
      let output = 0;
      for (let i = 0; i < 2; i++) {
        const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages });
        input += completion.usage.prompt_tokens;
        output += completion.usage.completion_tokens;
      }
      // As agent frameworks do: the agent span reports what its calls used, in total.
      agent.setAttributes({
        'gen_ai.usage.input_tokens': input,
        'gen_ai.usage.output_tokens': output,
      });
      agent.end();
    });
  },
};

async function main() {
  const scenario = scenarios[process.argv[2]];
  if (!scenario) throw new Error(`unknown scenario ${process.argv[2]}`);
  let error = null;
  try {
    await scenario();
  } catch (err) {
    error = err.constructor.name;
  }
  // The instrumentation ends a span in a promise callback after the call settles: let it run.
  await new Promise((resolve) => setImmediate(resolve));
  await provider.shutdown();
  process.stdout.write(`${JSON.stringify({ spans: exported, error })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
