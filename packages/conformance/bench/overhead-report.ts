/**
 * @module
 * Markdown tables of the overhead benchmark: per API, the in-process (pure overhead) and HTTP
 * measurements of every contender against `none`, the span check, and a verdict on the 5 µs
 * target for Tokenwatch relative to no instrumentation and to the OTel floor.
 */
import type { JobResult } from './overhead-child.ts';
import type { ContenderName } from './overhead-contenders.ts';
import { medianStats, type RunStats } from './overhead-measure.ts';
import type { ScenarioName } from './overhead-requests.ts';

/** One child's result, with the spans that left it (counted in the child or at the sink). */
export type Measured = {
  scenario: ScenarioName;
  contender: ContenderName;
  result: JobResult;
  exported: number;
};

/** Target of the issue: at most this many microseconds added per call. */
const TARGET_US = 5;

const TITLES: Record<ScenarioName, string> = {
  'openai-chat': 'OpenAI chat.completions.create (openai 6.x)',
  'openai-chat-stream': 'OpenAI chat.completions.create, streamed with usage (openai 6.x)',
  'anthropic-messages': 'Anthropic messages.create (@anthropic-ai/sdk 1.x)',
  'anthropic-messages-v0': 'Anthropic messages.create (@anthropic-ai/sdk 0.x)',
};

const us = (value: number) => value.toFixed(1);
const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function spanCheck(entry: Measured): string {
  if (entry.contender === 'none' || entry.contender === 'otel-context') return '-';
  const { calls, counts } = entry.result;
  const mark = entry.exported === calls ? 'ok' : 'MISMATCH';
  const usage = counts ? `, ${counts.withUsage} with usage, ${counts.attributes} attrs` : '';
  return `${mark}: ${entry.exported}/${calls}${usage}`;
}

type Phase = 'inProcess' | 'http';

function stats(entry: Measured, phase: Phase): RunStats {
  return medianStats(entry.result[phase]);
}

function baseline(measured: readonly Measured[], phase: Phase): RunStats | undefined {
  const none = measured.find((entry) => entry.contender === 'none');
  return none ? stats(none, phase) : undefined;
}

/** Prints the two tables of one API. */
export function printScenario(scenario: ScenarioName, measured: readonly Measured[]): void {
  const base = baseline(measured, 'inProcess');
  const baseHttp = baseline(measured, 'http');
  const added = (value: number, reference: number | undefined) =>
    reference === undefined ? '' : signed(value - reference);
  const pieces = measured[0]?.result.responsePieces ?? 0;
  console.log(`\n### ${TITLES[scenario]}\n`);
  console.log(`In process (pure overhead; response in ${pieces} piece(s)), µs per call:\n`);
  console.log(
    table(
      [
        'contender',
        'mean',
        'p50',
        'p99',
        'added p50',
        'CPU',
        'added CPU',
        'promises',
        'GCs/1k calls',
        'spans',
      ],
      measured.map((entry) => {
        const s = stats(entry, 'inProcess');
        return [
          entry.contender,
          us(s.meanUs),
          us(s.p50Us),
          us(s.p99Us),
          added(s.p50Us, base?.p50Us),
          us(s.cpuUs),
          added(s.cpuUs, base?.cpuUs),
          entry.result.promises.toFixed(0),
          s.gcPer1k.toFixed(1),
          spanCheck(entry),
        ];
      }),
    ),
  );
  console.log('\nHTTP to the fake provider on 127.0.0.1, µs per call:\n');
  console.log(
    table(
      ['contender', 'p50', 'p99', 'mean', 'added p50', 'CPU', 'added CPU'],
      measured.map((entry) => {
        const s = stats(entry, 'http');
        return [
          entry.contender,
          us(s.p50Us),
          us(s.p99Us),
          us(s.meanUs),
          added(s.p50Us, baseHttp?.p50Us),
          us(s.cpuUs),
          added(s.cpuUs, baseHttp?.cpuUs),
        ];
      }),
    ),
  );
}

/**
 * Prints Tokenwatch's added CPU time against the target and the floors, and any span mismatch.
 * CPU time is the verdict's measure: it counts deferred work (export, GC) and, unlike wall time,
 * is not inflated when other processes take the core.
 */
export function printSummary(all: readonly Measured[]): void {
  console.log('\n### Tokenwatch against the 5 µs target (in process, medians, µs per call)\n');
  const rows: string[][] = [];
  const scenarios = [...new Set(all.map((entry) => entry.scenario))];
  for (const scenario of scenarios) {
    const measured = all.filter((entry) => entry.scenario === scenario);
    const base = baseline(measured, 'inProcess');
    if (!base) continue;
    const addedOf = (contender: ContenderName) => {
      const entry = measured.find((m) => m.contender === contender);
      if (!entry) return undefined;
      const s = stats(entry, 'inProcess');
      return { p50: s.p50Us - base.p50Us, cpu: s.cpuUs - base.cpuUs };
    };
    const tax = addedOf('otel-context');
    const manual = addedOf('otel-manual');
    const active = addedOf('otel-active');
    for (const contender of ['tokenwatch', 'tokenwatch-register'] as const) {
      const ours = addedOf(contender);
      if (!ours) continue;
      rows.push([
        scenario,
        contender,
        signed(ours.p50),
        signed(ours.cpu),
        tax ? signed(tax.cpu) : '-',
        manual ? signed(manual.cpu) : '-',
        active ? signed(active.cpu) : '-',
        active ? signed(ours.cpu - active.cpu) : '-',
        ours.cpu <= TARGET_US ? 'met' : 'missed',
      ]);
    }
  }
  console.log(
    table(
      [
        'API',
        'contender',
        'added p50',
        'added CPU',
        'otel-context added CPU',
        'otel-manual added CPU',
        'otel-active added CPU',
        'CPU above otel-active',
        'added CPU ≤ 5 µs',
      ],
      rows,
    ),
  );
  const broken = all.filter(
    (entry) =>
      entry.contender !== 'none' &&
      entry.contender !== 'otel-context' &&
      entry.exported !== entry.result.calls,
  );
  for (const entry of broken) {
    console.log(
      `\nWARNING ${entry.scenario}/${entry.contender}: ${entry.exported} spans exported for ` +
        `${entry.result.calls} calls; its timings are not comparable.`,
    );
  }
}
