/**
 * @module
 * One contender on one API, in a process of its own (fresh JIT; instrumentations patch modules
 * for the whole process). Started by overhead.bench.ts with a JSON job as its only argument;
 * prints its result as one JSON line. Order: set up the contender, import and patch the SDK,
 * record the fake provider's answer over HTTP once, then time calls answered in process, then
 * calls over HTTP to the fake provider, then count the promises of in-process calls.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import {
  type Contender,
  type ContenderName,
  createContender,
  type SdkModule,
  type SpanCounts,
} from './overhead-contenders.ts';
import { recordingFetch, replayFetch } from './overhead-fetch.ts';
import { measure, type Plan, promisesPerCall, type RunStats } from './overhead-measure.ts';
import {
  anthropicRequest,
  type CallSummary,
  consumeChatStream,
  type MessageLike,
  openaiChatRequest,
  openaiChatStreamRequest,
  type ScenarioName,
  summarizeCompletion,
  summarizeMessage,
} from './overhead-requests.ts';

/** What the parent asks for. */
export type Job = {
  contender: ContenderName;
  scenario: ScenarioName;
  fakeUrl: string;
  inProcess: Plan;
  http: Plan;
};

/** What the child reports. */
export type JobResult = {
  inProcess: RunStats[];
  http: RunStats[];
  /** Calls made through the instrumented client: the spans a working contender exports. */
  calls: number;
  counts: SpanCounts | undefined;
  /** Pieces of the recorded response (server-sent events for streams). */
  responsePieces: number;
  /** Promises created per in-process call. */
  promises: number;
};

type Fetch = typeof globalThis.fetch;

/** Calls over which promises are counted. */
const PROMISE_COUNT_CALLS = 200;
type Caller = () => Promise<CallSummary>;

async function loadSdk(scenario: ScenarioName): Promise<SdkModule> {
  const module =
    scenario === 'anthropic-messages-v0'
      ? await import('@anthropic-ai/sdk-v0')
      : scenario === 'anthropic-messages'
        ? await import('@anthropic-ai/sdk')
        : await import('openai');
  return { module, client: module.default };
}

/** A client of the scenario's SDK and the call the benchmark repeats with it. */
function caller(job: Job, sdk: SdkModule, contender: Contender, fetch: Fetch | undefined): Caller {
  const options = { apiKey: 'sk-bench', maxRetries: 0, ...(fetch ? { fetch } : {}) };
  let name: string;
  let provider: string;
  let call: Caller;
  if (job.scenario.startsWith('anthropic')) {
    const Client = sdk.client as typeof Anthropic;
    const client = new Client({ ...options, baseURL: job.fakeUrl });
    const request = anthropicRequest();
    name = `chat ${request.model}`;
    provider = 'anthropic';
    call = async () => summarizeMessage((await client.messages.create(request)) as MessageLike);
  } else {
    const Client = sdk.client as typeof OpenAI;
    const client = new Client({ ...options, baseURL: `${job.fakeUrl}/v1` });
    name = 'chat gpt-4o';
    provider = 'openai';
    if (job.scenario === 'openai-chat-stream') {
      const request = openaiChatStreamRequest();
      call = async () => consumeChatStream(await client.chat.completions.create(request));
    } else {
      const request = openaiChatRequest();
      call = async () => summarizeCompletion(await client.chat.completions.create(request));
    }
  }
  const wrap = contender.wrap?.bind(contender);
  return wrap ? () => wrap(name, provider, call) : call;
}

async function run(job: Job): Promise<JobResult> {
  const contender = await createContender(job.contender, job.scenario);
  const sdk = await loadSdk(job.scenario);
  await contender.instrument(sdk);

  const recorder = recordingFetch();
  const probe = await caller(job, sdk, contender, recorder.fetch)();
  if (probe.outputTokens === undefined) throw new Error('the fake provider reported no usage');
  const recorded = await recorder.last();

  const settle = () => contender.flush();
  const inProcessCall = caller(job, sdk, contender, replayFetch(recorded));
  const inProcess = await measure(inProcessCall, job.inProcess, settle);
  const http = await measure(caller(job, sdk, contender, undefined), job.http, settle);
  // Last: the counting hook slows every promise down while it is on.
  const promises = await promisesPerCall(inProcessCall, PROMISE_COUNT_CALLS);
  const calls = (plan: Plan) => plan.warmUp + plan.iterations * plan.runs;
  await contender.flush();
  return {
    inProcess,
    http,
    calls: 1 + calls(job.inProcess) + PROMISE_COUNT_CALLS + calls(job.http),
    counts: contender.counts(),
    responsePieces: recorded.pieces.length,
    promises,
  };
}

const job = JSON.parse(process.argv[2] ?? '') as Job;
const result = await run(job);
process.stdout.write(`${JSON.stringify(result)}\n`);
// Instrumentations and exporters may hold timers; the result is out, so leave now.
process.exit(0);
