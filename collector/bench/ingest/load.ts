/**
 * @module
 * The load process of the ingest benchmark: replays the pre-encoded corpus as OTLP/HTTP protobuf
 * export requests over keep-alive connections, a fixed number in flight, for a fixed time, and
 * prints what was acknowledged as JSON on stdout.
 *
 *   node --conditions=@tokenwatch/source --import tsx load.ts URL CORPUS_DIR SECONDS CONCURRENCY FIRST_SEQUENCE [RATE [PROBE_EVERY]]
 *
 * It prints `ready` on stderr once the corpus is loaded and starts when a line arrives on stdin.
 * A 429 or 503 is retried with the same bytes after its Retry-After (capped at one second, so a
 * throttled run still ends on time), as an OTLP exporter would; those answers are counted.
 *
 * RATE (spans/s, 0 = as fast as answered) offers a fixed load instead: requests start on a fixed
 * schedule, still at most CONCURRENCY in flight. PROBE_EVERY (0 = none) marks every Nth request
 * with a `service.name` of its own (probe-marker.ts) and, the moment its 200 arrives, prints
 * `probe NAME CALLS ACKED_AT_MS` on stderr, so the parent can time when queries see it.
 */
import { Agent, request } from 'node:http';
import { type CorpusBatch, patchBatch, readCorpus } from './corpus.ts';
import { findMarkerSlot, writeMarker } from './probe-marker.ts';

/** What one load run reports. */
export type LoadResult = {
  /** Epoch milliseconds of the first send and of the last answer. */
  startedAt: number;
  endedAt: number;
  requests: number;
  spans: number;
  calls: number;
  /** 429/503 answers (each retried). */
  throttled: number;
  errors: string[];
  /** Request latency of acknowledged requests (send to full answer), milliseconds. */
  latencyMs: { p50: number; p99: number };
  /** CPU seconds the load process spent while sending. */
  cpuSeconds: number;
  /** The next unused request sequence (ids stay unique across runs against one server). */
  nextSequence: number;
};

type Answer = { status: number; retryAfter: number };

function post(agent: Agent, url: URL, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-protobuf',
          'content-length': String(body.length),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: Number(res.headers['retry-after'] ?? 1),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A marked request as it was acknowledged. */
export type ProbeAck = { name: string; calls: number; ackedAt: number };

/** Sends the corpus for `seconds` with `concurrency` requests in flight. */
export async function runLoad(options: {
  url: string;
  corpus: CorpusBatch[];
  seconds: number;
  concurrency: number;
  firstSequence: number;
  /** Offered spans per second; 0 sends as fast as answers come back. */
  rate?: number;
  /** Marks every Nth request (0: none) and reports its acknowledgement. */
  probeEvery?: number;
  onProbe?: (probe: ProbeAck) => void;
}): Promise<LoadResult> {
  const { corpus, concurrency } = options;
  const url = new URL('/v1/traces', options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const largest = Math.max(...corpus.map((b) => b.bytes.length));
  let sequence = options.firstSequence;
  const result: LoadResult = {
    startedAt: Date.now(),
    endedAt: 0,
    requests: 0,
    spans: 0,
    calls: 0,
    throttled: 0,
    errors: [],
    latencyMs: { p50: 0, p99: 0 },
    cpuSeconds: 0,
    nextSequence: 0,
  };
  const latencies: number[] = [];
  const cpuStart = process.cpuUsage();
  const deadline = result.startedAt + options.seconds * 1000;
  const probeEvery = options.probeEvery ?? 0;
  const slots = probeEvery > 0 ? corpus.map((b) => findMarkerSlot(b.bytes)) : [];
  // Open loop: request k may start at startedAt + k * interval, whatever the answers before it;
  // a server that falls behind gets the missed slots back to back (bounded by `concurrency`).
  const spansPerRequest = corpus.reduce((n, b) => n + b.spans, 0) / corpus.length;
  const interval = options.rate ? (1000 * spansPerRequest) / options.rate : 0;
  let nextSlot = result.startedAt;

  async function worker(): Promise<void> {
    const buffer = Buffer.alloc(largest);
    while (Date.now() < deadline && result.errors.length < 10) {
      if (interval > 0) {
        const slot = nextSlot;
        nextSlot += interval;
        if (slot >= deadline) break;
        const wait = slot - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const seq = sequence++;
      const index = seq % corpus.length;
      const batch = corpus[index]!;
      patchBatch(batch, buffer, seq, BigInt(Date.now()) * 1_000_000n);
      const probe =
        probeEvery > 0 && seq % probeEvery === 0 ? writeMarker(buffer, slots[index]!, seq) : '';
      const body = buffer.subarray(0, batch.bytes.length);
      for (;;) {
        const sent = performance.now();
        let answer: Answer;
        try {
          answer = await post(agent, url, body);
        } catch (err) {
          result.errors.push((err as Error).message);
          break;
        }
        if (answer.status === 200) {
          if (probe) options.onProbe?.({ name: probe, calls: batch.calls, ackedAt: Date.now() });
          latencies.push(performance.now() - sent);
          result.requests++;
          result.spans += batch.spans;
          result.calls += batch.calls;
          break;
        }
        if (answer.status === 429 || answer.status === 503) {
          result.throttled++;
          const wait = Math.min(1000, Math.max(10, answer.retryAfter * 1000));
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        result.errors.push(`HTTP ${answer.status}`);
        break;
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, worker));
  result.endedAt = Date.now();
  const cpu = process.cpuUsage(cpuStart);
  result.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  latencies.sort((a, b) => a - b);
  result.latencyMs = { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  result.nextSequence = sequence;
  agent.destroy();
  return result;
}

async function main(): Promise<void> {
  const [url, dir, seconds, concurrency, first, rate, probeEvery] = process.argv.slice(2);
  if (!url || !dir)
    throw new Error('usage: load.ts URL CORPUS_DIR SECONDS CONCURRENCY FIRST_SEQUENCE');
  const corpus = readCorpus(dir);
  // The parent reads the server's CPU counters between "ready" and "go", so the measured window
  // holds the load and nothing of this process's start-up.
  process.stderr.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.pause();
  const result = await runLoad({
    url,
    corpus,
    seconds: Number(seconds),
    concurrency: Number(concurrency),
    firstSequence: Number(first),
    rate: Number(rate ?? 0),
    probeEvery: Number(probeEvery ?? 0),
    onProbe: (p) => process.stderr.write(`probe ${p.name} ${p.calls} ${p.ackedAt}\n`),
  });
  process.stdout.write(JSON.stringify(result));
}

await main();
