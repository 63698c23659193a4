/**
 * @module
 * Backfills the agents' past: OTLP/JSON spans with past timestamps, posted straight to the
 * collector in large batches. The anomaly rule compares the last minutes with the median of an
 * agent's active minutes, so it needs this history to know what normal looks like.
 */
import { randomBytes } from 'node:crypto';
import {
  type AgentProfile,
  CACHE_BREAKING_AGENT,
  CALL_GAP_MS,
  type DemoTiming,
  type TaskPlan,
  taskIntervalMs,
  taskPlan,
} from './scenario.ts';

type Attribute = { key: string; value: { stringValue: string } | { intValue: string } };
type OtlpSpan = Record<string, unknown>;

const SPANS_PER_REQUEST = 2_000;

function attr(key: string, value: string | number): Attribute {
  return {
    key,
    value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
  };
}

const nanos = (ms: number) => (BigInt(Math.round(ms)) * 1_000_000n).toString();
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function taskSpans(
  agent: AgentProfile,
  plan: TaskPlan,
  taskId: string,
  startMs: number,
): OtlpSpan[] {
  const traceId = hex(16);
  const spans: OtlpSpan[] = plan.steps.map((step, i) => {
    const start = startMs + i * CALL_GAP_MS;
    // The cache breaker's system prompt carries the time: every call starts a new prefix.
    const prefix =
      agent.name === CACHE_BREAKING_AGENT ? `${agent.name}-${start}` : `demo-${agent.name}`;
    const attributes = [
      attr('gen_ai.operation.name', 'chat'),
      attr('gen_ai.provider.name', 'openai'),
      attr('gen_ai.request.model', agent.model),
      attr('gen_ai.agent.name', agent.name),
      attr('tokenwatch.task.id', taskId),
      attr('tokenwatch.prefix_hash', prefix),
    ];
    if (!step.fails) {
      const { uncachedInput, cacheRead, output } = step.usage;
      attributes.push(
        attr('gen_ai.usage.input_tokens', uncachedInput + cacheRead),
        attr('gen_ai.usage.output_tokens', output),
      );
      if (cacheRead > 0) attributes.push(attr('gen_ai.usage.cache_read.input_tokens', cacheRead));
    }
    return {
      traceId,
      spanId: hex(8),
      name: `chat ${agent.model}`,
      kind: 3,
      startTimeUnixNano: nanos(start),
      endTimeUnixNano: nanos(start + 500),
      attributes,
      status: step.fails ? { code: 2, message: 'upstream 500' } : { code: 0 },
    };
  });
  spans.push({
    traceId,
    spanId: hex(8),
    name: `task ${agent.name}`,
    kind: 1,
    startTimeUnixNano: nanos(startMs),
    endTimeUnixNano: nanos(startMs + plan.steps.length * CALL_GAP_MS),
    attributes: [
      attr('tokenwatch.task.id', taskId),
      attr('tokenwatch.task.name', agent.name),
      attr('tokenwatch.task.outcome', plan.outcome),
      attr('gen_ai.agent.name', agent.name),
    ],
    status: { code: 0 },
  });
  return spans;
}

/** The history of every agent up to `endMs`, and how many tasks each ran (live continues from there). */
export function buildHistory(
  agents: readonly AgentProfile[],
  timing: DemoTiming,
  endMs: number,
): { spans: OtlpSpan[]; taskCounts: Map<string, number> } {
  const spans: OtlpSpan[] = [];
  const taskCounts = new Map<string, number>();
  const startMs = endMs - timing.historyMinutes * 60_000;
  const spikeFromMs = endMs - timing.spikeHistorySeconds * 1_000;
  agents.forEach((agent, n) => {
    // Spread the agents' task starts so the minutes are not all aligned.
    let t = startMs + ((n * 3_700) % taskIntervalMs(agent, false));
    let index = 0;
    while (t < endMs) {
      const plan = taskPlan(agent, index);
      spans.push(...taskSpans(agent, plan, `demo-${agent.name}-${index}`, t));
      index++;
      t += taskIntervalMs(agent, t >= spikeFromMs);
    }
    taskCounts.set(agent.name, index);
  });
  return { spans, taskCounts };
}

/** Posts the spans to the collector in batches; `onProgress` gets the fraction sent. */
export async function sendHistory(
  url: string,
  spans: readonly OtlpSpan[],
  onProgress: (fraction: number) => void,
): Promise<void> {
  for (let i = 0; i < spans.length; i += SPANS_PER_REQUEST) {
    const batch = spans.slice(i, i + SPANS_PER_REQUEST);
    const response = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [attr('service.name', 'tokenwatch-demo-history')] },
            scopeSpans: [{ scope: { name: 'tokenwatch-demo' }, spans: batch }],
          },
        ],
      }),
    });
    if (!response.ok) {
      throw new Error(`backfill rejected: ${response.status} ${await response.text()}`);
    }
    onProgress(Math.min(1, (i + batch.length) / spans.length));
  }
}
