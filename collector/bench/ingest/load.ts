/**
 * @module
 * The load process of the ingest benchmark: replays the pre-encoded corpus as OTLP/HTTP protobuf
 * export requests over keep-alive connections, a fixed number in flight, for a fixed time, and
 * prints what was acknowledged as JSON on stdout.
 *
 *   node --conditions=@tokenwatch/source --import tsx load.ts URL CORPUS_DIR SECONDS CONCURRENCY FIRST_SEQUENCE
 *
 * It prints `ready` on stderr once the corpus is loaded and starts when a line arrives on stdin.
 * A 429 or 503 is retried with the same bytes after its Retry-After (capped at one second, so a
 * throttled run still ends on time), as an OTLP exporter would; those answers are counted.
 */
import { Agent, request } from 'node:http';
import { type CorpusBatch, patchBatch, readCorpus } from './corpus.ts';

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

/** Sends the corpus for `seconds` with `concurrency` requests in flight. */
export async function runLoad(options: {
  url: string;
  corpus: CorpusBatch[];
  seconds: number;
  concurrency: number;
  firstSequence: number;
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

  async function worker(): Promise<void> {
    const buffer = Buffer.alloc(largest);
    while (Date.now() < deadline && result.errors.length < 10) {
      const seq = sequence++;
      const batch = corpus[seq % corpus.length]!;
      patchBatch(batch, buffer, seq, BigInt(Date.now()) * 1_000_000n);
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
  const [url, dir, seconds, concurrency, first] = process.argv.slice(2);
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
  });
  process.stdout.write(JSON.stringify(result));
}

await main();
