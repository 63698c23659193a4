/**
 * @module
 * Timing of sequential awaited calls: per-call latency (mean, p50, p99), CPU per call
 * (process.cpuUsage: user + system, V8's helper threads included, so deferred work such as
 * garbage collection and span export is counted), and garbage collections as a cheap stand-in
 * for allocation volume (V8 exposes no allocated-bytes counter to Node 20).
 */
import { createHook } from 'node:async_hooks';
import { type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** One timed run. Times in microseconds per call. */
export type RunStats = {
  meanUs: number;
  p50Us: number;
  p99Us: number;
  cpuUs: number;
  /** Garbage collections (minor and major) per 1,000 calls, and their pause per call. */
  gcPer1k: number;
  gcPauseUs: number;
};

/** How much to run. */
export type Plan = { warmUp: number; iterations: number; runs: number };

let gcCount = 0;
let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries() as PerformanceEntry[]) {
    gcCount += 1;
    gcMs += entry.duration;
  }
});

function percentile(sorted: Float64Array, p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/**
 * Runs `call` `plan.warmUp` times, then `plan.runs` timed runs of `plan.iterations` calls.
 * `settle` runs at the end of each timed run, inside its CPU window (span export belongs to the
 * calls that produced the spans) but outside the per-call latencies.
 */
export async function measure(
  call: () => Promise<unknown>,
  plan: Plan,
  settle: () => Promise<void>,
): Promise<RunStats[]> {
  for (let i = 0; i < plan.warmUp; i++) await call();
  await settle();
  gcObserver.observe({ entryTypes: ['gc'] });
  const runs: RunStats[] = [];
  const durations = new Float64Array(plan.iterations);
  for (let run = 0; run < plan.runs; run++) {
    // GC entries arrive a few event-loop turns late: drain the previous run's before counting.
    await sleep(10);
    gcCount = 0;
    gcMs = 0;
    const cpuStart = process.cpuUsage();
    let total = 0;
    for (let i = 0; i < plan.iterations; i++) {
      const start = performance.now();
      await call();
      const elapsed = performance.now() - start;
      durations[i] = elapsed;
      total += elapsed;
    }
    await settle();
    const cpu = process.cpuUsage(cpuStart);
    await sleep(10);
    durations.sort();
    runs.push({
      meanUs: (total * 1000) / plan.iterations,
      p50Us: percentile(durations, 50) * 1000,
      p99Us: percentile(durations, 99) * 1000,
      cpuUs: (cpu.user + cpu.system) / plan.iterations,
      gcPer1k: (gcCount * 1000) / plan.iterations,
      gcPauseUs: (gcMs * 1000) / plan.iterations,
    });
  }
  gcObserver.disconnect();
  return runs;
}

/**
 * Promises created per call, over `calls` calls: a count that load on the machine cannot blur,
 * and on Node 20 each promise pays AsyncLocalStorage's hook once an OTel context manager is on.
 * Run after the timed runs: the counting hook itself slows promises down.
 */
export async function promisesPerCall(
  call: () => Promise<unknown>,
  calls: number,
): Promise<number> {
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises += 1;
    },
  });
  hook.enable();
  try {
    for (let i = 0; i < calls; i++) await call();
  } finally {
    hook.disable();
  }
  return promises / calls;
}

/** The median of each field over the runs. */
export function medianStats(runs: readonly RunStats[]): RunStats {
  const pick = (field: keyof RunStats) => median(runs.map((run) => run[field]));
  return {
    meanUs: pick('meanUs'),
    p50Us: pick('p50Us'),
    p99Us: pick('p99Us'),
    cpuUs: pick('cpuUs'),
    gcPer1k: pick('gcPer1k'),
    gcPauseUs: pick('gcPauseUs'),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
