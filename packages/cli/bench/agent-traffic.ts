/**
 * @module
 * Simulated agents for the benchmarks that drive a real `tokenwatch serve`: each agent makes an
 * LLM call every `everyMs`, recorded as a GenAI span by the official OpenTelemetry SDK and exported
 * with the official OTLP protobuf exporter every `exportDelayMs`, as the SDK's batch span
 * processor does (5 s by default). Also the history backfill (OTLP/JSON with past timestamps)
 * that gives agents a baseline.
 */
import {
  chatCallAttributes,
  exportSpans,
  protoExporter,
  type ReadableSpan,
  spanRecorder,
} from '../test/otel-sdk.ts';

/** One simulated agent: its name, call interval and tokens per call. */
export type AgentProfile = {
  name: string;
  everyMs: number;
  inputTokens: number;
  outputTokens: number;
};

/** Agents calling on their schedules into one serve process. */
export class AgentTraffic {
  /** Calls acknowledged by the collector. */
  acknowledged = 0;
  /** Export requests that failed after the exporter's own retries (their spans are re-sent). */
  failedExports = 0;
  private readonly recorder;
  private readonly exporter;
  private readonly agents = new Map<string, AgentProfile & { nextAt: number }>();
  private readonly firstCallAfter = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly exportDelayMs: number;
  private ticker: NodeJS.Timeout | undefined;
  private flusher: NodeJS.Timeout | undefined;

  constructor(options: { serveUrl: string; serviceName: string; exportDelayMs: number }) {
    this.recorder = spanRecorder(options.serviceName);
    this.exporter = protoExporter({ url: options.serveUrl, timeoutMillis: 60_000 });
    this.exportDelayMs = options.exportDelayMs;
  }

  /** Adds an agent, or changes its schedule; its next call comes one new interval from now. */
  set(profile: AgentProfile): void {
    const existing = this.agents.get(profile.name);
    const nextAt = existing ? Math.min(existing.nextAt, Date.now() + profile.everyMs) : Date.now();
    this.agents.set(profile.name, { ...profile, nextAt });
    this.firstCallAfter.delete(profile.name);
  }

  /** Wall time of the agent's first call since its last {@link set}, once it made one. */
  firstCallSinceSet(name: string): number | undefined {
    return this.firstCallAfter.get(name);
  }

  start(): void {
    this.ticker = setInterval(() => this.tick(), 50);
    this.flusher = setInterval(() => this.flush(), this.exportDelayMs);
  }

  /** Stops calling and waits until every recorded call is exported. */
  async stop(): Promise<void> {
    clearInterval(this.ticker);
    clearInterval(this.flusher);
    this.flush();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    await this.exporter.shutdown();
    await this.recorder.shutdown();
  }

  private tick(): void {
    const now = Date.now();
    for (const agent of this.agents.values()) {
      while (agent.nextAt <= now) {
        this.recorder.tracer
          .startSpan(`chat gpt-4o-mini`, {
            attributes: {
              ...chatCallAttributes(agent.inputTokens, agent.outputTokens),
              'gen_ai.agent.name': agent.name,
            },
          })
          .end();
        if (!this.firstCallAfter.has(agent.name)) this.firstCallAfter.set(agent.name, Date.now());
        agent.nextAt += agent.everyMs;
      }
    }
  }

  private flush(): void {
    const spans = this.recorder.take();
    if (spans.length > 0) this.send(spans);
  }

  private send(spans: ReadableSpan[]): void {
    const sending = exportSpans(this.exporter, spans).then((result) => {
      if (result.code === 0) this.acknowledged += spans.length;
      else {
        // The SDK would drop them; a benchmark that compares sent with stored re-sends instead.
        this.failedExports++;
        this.send(spans);
      }
    });
    const tracked = sending.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}

/**
 * Posts past calls of the given agents at their intervals over `[fromMs, toMs)` (OTLP/JSON,
 * 2,000 spans a request), so that the store holds a history, as weeks of use would leave.
 */
export async function backfillHistory(
  serveUrl: string,
  serviceName: string,
  agents: readonly AgentProfile[],
  fromMs: number,
  toMs: number,
): Promise<number> {
  let n = 0;
  let batch: unknown[] = [];
  const post = async () => {
    const response = await fetch(`${serveUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: {
              attributes: [{ key: 'service.name', value: { stringValue: serviceName } }],
            },
            scopeSpans: [{ scope: { name: 'history' }, spans: batch }],
          },
        ],
      }),
    });
    if (response.status !== 200) throw new Error(`backfill: ${response.status}`);
    batch = [];
  };
  const salt = Math.floor(Math.random() * 0xffffffff);
  for (const agent of agents) {
    for (let at = fromMs; at < toMs; at += agent.everyMs) {
      n++;
      const start = BigInt(Math.round(at)) * 1_000_000n;
      batch.push({
        traceId: `${salt.toString(16).padStart(8, '0')}${n.toString(16).padStart(24, '0')}`,
        spanId: `${salt.toString(16).padStart(8, '0')}${n.toString(16).padStart(8, '0')}`,
        name: 'chat gpt-4o-mini',
        kind: 3,
        startTimeUnixNano: start.toString(),
        endTimeUnixNano: (start + 800_000_000n).toString(),
        attributes: Object.entries({
          ...chatCallAttributes(agent.inputTokens, agent.outputTokens),
          'gen_ai.agent.name': agent.name,
        }).map(([key, value]) => ({
          key,
          value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
        })),
      });
      if (batch.length === 2_000) await post();
    }
  }
  if (batch.length > 0) await post();
  return n;
}
