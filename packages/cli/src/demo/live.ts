/**
 * @module
 * Live traffic: the agents run tool loops through the real `openai` client, instrumented by
 * `@tokenwatch/instrumentation`, against the fake LLM, and the instrumentation exports to the
 * demo's server. Usage is scripted per call; the fake answers replies in queue order, so calls are
 * serialized (each one takes milliseconds on loopback) to keep each reply with its call.
 */
import { startFakeLlm } from '@tokenwatch/fake-llm';
import { OpenAIInstrumentation, register, withTask } from '@tokenwatch/instrumentation';
import * as OpenAIModule from 'openai';
import type {
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { type AgentProfile, type CallStep, taskIntervalMs, taskPlan } from './scenario.ts';

/** What the live phase did. */
export type LiveResult = { tasks: number; calls: number; failedCalls: number; endedAt: Date };

const TOOLS: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'lookup',
      description: 'Looks a record up.',
      parameters: { type: 'object', properties: { query: { type: 'string' } } },
    },
  },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Runs `fn` after every earlier call has settled. */
function serializer(): <T>(fn: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  };
}

/**
 * Runs every agent for `seconds` against a fresh fake LLM, exporting to `serverUrl`; the runaway
 * runs away throughout. `taskCounts` continues each agent's task numbering from its history.
 */
export async function runLiveTraffic(options: {
  serverUrl: string;
  agents: readonly AgentProfile[];
  taskCounts: ReadonlyMap<string, number>;
  seconds: number;
  onProgress: (fraction: number) => void;
}): Promise<LiveResult> {
  const fake = await startFakeLlm({ recordRequests: false });
  const previousEndpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = options.serverUrl;
  const tokenwatch = register({ serviceName: 'tokenwatch-demo' });
  // The openai module was imported before register() could hook imports: patch it directly.
  for (const instrumentation of tokenwatch.instrumentations) {
    if (instrumentation instanceof OpenAIInstrumentation)
      instrumentation.manuallyInstrument(OpenAIModule);
  }
  const openai = new OpenAIModule.OpenAI({
    apiKey: 'demo',
    baseURL: fake.openaiBaseUrl,
    maxRetries: 0,
  });
  const serialized = serializer();
  const result: LiveResult = { tasks: 0, calls: 0, failedCalls: 0, endedAt: new Date() };

  async function call(
    agent: AgentProfile,
    step: CallStep,
    last: boolean,
    messages: ChatCompletionMessageParam[],
  ) {
    result.calls++;
    const reply = step.fails
      ? { error: { status: 500, message: 'upstream overloaded' } }
      : {
          usage: step.usage,
          ...(last ? {} : { toolCalls: [{ name: 'lookup', arguments: { query: agent.name } }] }),
        };
    return serialized(() => {
      fake.enqueue(reply);
      return openai.chat.completions.create({ model: agent.model, messages, tools: TOOLS });
    });
  }

  async function runTask(agent: AgentProfile, index: number): Promise<void> {
    const plan = taskPlan(agent, index);
    result.tasks++;
    await withTask({ name: agent.name, agent: agent.name }, async () => {
      const system = agent.breaksCache
        ? `You summarize documents. The time is ${new Date().toISOString()}.`
        : `You are ${agent.name}, an agent of the Tokenwatch demo.`;
      const messages: ChatCompletionMessageParam[] = [
        { role: 'system', content: system },
        { role: 'user', content: `Task ${index} for ${agent.name}.` },
      ];
      for (const [i, step] of plan.steps.entries()) {
        if (agent.breaksCache) {
          // A fresh timestamp on every turn: the prompt prefix never repeats.
          messages[0] = {
            role: 'system',
            content: `You summarize documents. The time is ${new Date().toISOString()}.`,
          };
        }
        try {
          const completion = await call(agent, step, i === plan.steps.length - 1, messages);
          const message = completion.choices[0]?.message;
          if (message?.tool_calls) {
            messages.push(message);
            for (const toolCall of message.tool_calls)
              messages.push({ role: 'tool', tool_call_id: toolCall.id, content: '{"rows":3}' });
          }
        } catch (err) {
          // A scripted 500: the next step is the agent's retry, or it gives up below.
          if (!step.fails) throw err;
          result.failedCalls++;
        }
      }
      if (plan.outcome === 'failure') throw new Error('gave up after repeated 500s');
    }).catch(() => undefined);
  }

  const startedAt = Date.now();
  const endAt = startedAt + options.seconds * 1_000;
  const ticker = setInterval(
    () => options.onProgress(Math.min(1, (Date.now() - startedAt) / (endAt - startedAt))),
    250,
  );
  try {
    await Promise.all(
      options.agents.map(async (agent, n) => {
        const interval = taskIntervalMs(agent, true);
        // The runaway starts at once, so the last 30 seconds are all runaway traffic.
        let t = startedAt + (agent.runaway ? 0 : (n * 3_700) % interval);
        let index = options.taskCounts.get(agent.name) ?? 0;
        while (t < endAt) {
          await sleep(t - Date.now());
          await runTask(agent, index++);
          t += interval;
        }
      }),
    );
    await sleep(endAt - Date.now());
    result.endedAt = new Date();
    options.onProgress(1);
    await tokenwatch.forceFlush();
  } finally {
    clearInterval(ticker);
    await tokenwatch.shutdown();
    await fake.close();
    if (previousEndpoint === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = previousEndpoint;
  }
  return result;
}
