/**
 * @module
 * How the scenarios of scenarios.ts drive the SDKs: the requests they send, streams read to the
 * end, two calls under an agent span, and the OTel contrib OpenAI app run as a child process.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Attributes } from '@opentelemetry/api';
import type OpenAI from 'openai';
import {
  API_KEY,
  type Backend,
  type ExportedSpan,
  type Tracing,
  withAgentSpan,
} from './harness.ts';

/** The chat request every OpenAI scenario sends. */
export const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];

/** The Messages request every Anthropic SDK scenario sends. */
export const anthropicRequest = {
  model: 'claude-haiku-4-5',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'Summarise the attached contract.' }],
};

/** What one request used, as the provider bills it. */
export type Billed = {
  uncachedInput: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
};

/** The usage of an OpenAI chat completion. */
export function openaiBilled(usage: OpenAI.CompletionUsage | undefined): Billed {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    uncachedInput: (usage?.prompt_tokens ?? 0) - cached,
    cacheRead: cached,
    cacheWrite: 0,
    output: usage?.completion_tokens ?? 0,
  };
}

/** The usage of an Anthropic message (both SDK generations). */
export function anthropicBilled(usage: {
  input_tokens: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  output_tokens: number;
}): Billed {
  return {
    uncachedInput: usage.input_tokens,
    cacheRead: usage.cache_read_input_tokens ?? 0,
    cacheWrite: usage.cache_creation_input_tokens ?? 0,
    output: usage.output_tokens,
  };
}

/** Streams a chat completion that asks for usage; resolves to the output tokens the app saw. */
export async function openaiStream(openai: OpenAI, model: string): Promise<number> {
  const stream = await openai.chat.completions.create({
    model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  let reported = 0;
  for await (const chunk of stream) reported += chunk.usage?.completion_tokens ?? 0;
  return reported;
}

/** Reads an Anthropic event stream to the end; resolves to the output tokens the app saw. */
export async function anthropicStreamOutput(
  events: AsyncIterable<{ type: string; usage?: { output_tokens: number } }>,
): Promise<number> {
  let output = 0;
  for await (const event of events) {
    if (event.type === 'message_delta' && event.usage) output = event.usage.output_tokens;
  }
  return output;
}

/** An agent span as frameworks of one convention report it: the summed usage of its calls. */
export type AgentSpan = {
  name: string;
  attributes: Attributes;
  usage(total: Billed): Attributes;
};

const inputOf = (t: Billed) => t.uncachedInput + t.cacheRead + t.cacheWrite;

/** An OTel GenAI `invoke_agent` span. */
export const otelAgent = (agent: string): AgentSpan => ({
  name: `invoke_agent ${agent}`,
  attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agent },
  usage: (t) => ({
    'gen_ai.usage.input_tokens': inputOf(t),
    ...(t.cacheRead > 0 ? { 'gen_ai.usage.cache_read.input_tokens': t.cacheRead } : {}),
    'gen_ai.usage.output_tokens': t.output,
  }),
});

/** An OpenInference `AGENT` span. */
export const openInferenceAgent = (agent: string): AgentSpan => ({
  name: agent,
  attributes: { 'openinference.span.kind': 'AGENT', 'agent.name': agent },
  usage: (t) => ({
    'llm.token_count.prompt': inputOf(t),
    ...(t.cacheRead > 0 ? { 'llm.token_count.prompt_details.cache_read': t.cacheRead } : {}),
    'llm.token_count.completion': t.output,
    'llm.token_count.total': inputOf(t) + t.output,
  }),
});

/**
 * Two calls, one after the other, under an agent span that then reports what they used in total,
 * as agent frameworks do: the collector must bill the calls and never the agent span.
 */
export async function twoCallsUnder(
  tracing: Tracing,
  agent: AgentSpan,
  call: () => Promise<Billed>,
): Promise<void> {
  await withAgentSpan(tracing, agent.name, agent.attributes, async (span) => {
    const total: Billed = { uncachedInput: 0, cacheRead: 0, cacheWrite: 0, output: 0 };
    for (let i = 0; i < 2; i++) {
      const billed = await call();
      for (const kind of Object.keys(total) as (keyof Billed)[]) total[kind] += billed[kind];
    }
    span.setAttributes(agent.usage(total));
  });
}

/** The error an app run reported, under the name of the error's class. */
export class AppError extends Error {
  constructor(name: string) {
    super(name);
    this.name = 'AppError';
  }
}

const APP = fileURLToPath(new URL('./apps/otel-openai-app.cjs', import.meta.url));
const run = promisify(execFile);

/**
 * The app of apps/otel-openai-app.cjs: @opentelemetry/instrumentation-openai has no manual API,
 * so each scenario runs in a child `node` process that registers it the documented way.
 */
export type ChildApp = {
  /** Runs one scenario of the app; rejects with an {@link AppError} if its request failed. */
  run(scenario: string): Promise<void>;
  /** The spans the last run exported. */
  take(): Promise<ExportedSpan[]>;
};

/** Starts nothing: each {@link ChildApp.run} is its own process, answered by this one. */
export function otelOpenAiApp(backend: Backend, service: string): ChildApp {
  let exported: ExportedSpan[] = [];
  return {
    async run(scenario) {
      // Asynchronously: the collector and the fake answer it from this process's event loop.
      const { stdout } = await run(process.execPath, [APP, scenario], {
        // A clean environment: nothing of vitest's or the user's OTEL_* / OPENAI_* settings leaks in.
        env: {
          PATH: process.env.PATH ?? '',
          TW_COLLECTOR_URL: backend.collectorUrl,
          TW_API_KEY: API_KEY,
          TW_OPENAI_BASE_URL: backend.fake.openaiBaseUrl,
          TW_SERVICE: `${service}-${scenario}`,
        },
        timeout: 30_000,
      });
      const output = JSON.parse(stdout) as { spans: ExportedSpan[]; error: string | null };
      exported = output.spans;
      if (output.error !== null) throw new AppError(output.error);
    },
    async take() {
      const spans = exported;
      exported = [];
      return spans;
    },
  };
}
