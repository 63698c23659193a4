import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo/run-demo.ts';
import { CACHE_BREAKING_AGENT, RUNAWAY_AGENT } from '../src/demo/scenario.ts';

// The fast demo end to end: a real server, backfilled history, live traffic through the real
// instrumentation and openai client, and the findings as a newcomer reads them.

describe('tokenwatch demo --fast', () => {
  it('names the runaway agent as the only anomaly and the cache breaker as the only one', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'tokenwatch-demo-')), 'demo');
    let output = '';
    const findings = await runDemo({
      fast: true,
      dataDir,
      write: (text) => {
        output += `${text}\n`;
      },
      progressStream: new Writable({ write: (_chunk, _encoding, done) => done() }),
    });
    console.log(output);
    const runaways = [...output.matchAll(/! runaway agent: (\S+)/g)].map((m) => m[1]);
    const breakers = [...output.matchAll(/! breaks its cache: (\S+)/g)].map((m) => m[1]);
    expect(runaways).toEqual([RUNAWAY_AGENT]);
    expect(breakers).toEqual([CACHE_BREAKING_AGENT]);
    expect(findings.anomalies.map((a) => a.entity.value)).toEqual([RUNAWAY_AGENT]);
    // The runaway crosses its budget; the organization-wide one stays green.
    const exceeded = findings.budgets.filter((b) => b.fraction >= 1).map((b) => b.budgetId);
    expect(exceeded).toEqual([`${RUNAWAY_AGENT}-15m`]);
    expect(findings.costs).toHaveLength(8);
    expect(output).toContain('Cost by agent');
    // It ends with how to see its data in the console.
    expect(output.trimEnd().split('\n').slice(-2)).toEqual([
      `  pnpm tokenwatch serve --data-dir ${dataDir}`,
      '  http://127.0.0.1:4318/',
    ]);
  }, 120_000);
});
