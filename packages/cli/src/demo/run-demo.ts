/**
 * @module
 * `tokenwatch demo`, start to finish: a private server on its own data dir, backfilled history,
 * live instrumented traffic, then what the analyzer found.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '@tokenwatch/config';
import { startServer } from '../server/start-server.ts';
import { demoBudgets } from './budgets.ts';
import { type Findings, readFindings } from './findings.ts';
import { buildHistory, sendHistory } from './history.ts';
import { runLiveTraffic } from './live.ts';
import { createProgress } from './progress.ts';
import { renderFindings } from './render.ts';
import { AGENTS, demoTiming } from './scenario.ts';

/** Options of {@link runDemo}. */
export type DemoOptions = {
  /** ~40 s instead of ~3 min. */
  fast: boolean;
  /** Emptied first: the demo's numbers only mean something on its own data. */
  dataDir: string;
  /** Where the findings go. @default stdout */
  write?: (text: string) => void;
  /** Where the progress bar goes. @default stderr */
  progressStream?: NodeJS.WritableStream;
};

/**
 * Runs the demo and returns the findings it printed.
 *
 * @example
 * await runDemo({ fast: true, dataDir: './.tokenwatch/demo' });
 */
export async function runDemo(options: DemoOptions): Promise<Findings> {
  const write = options.write ?? ((text: string) => process.stdout.write(`${text}\n`));
  const progress = createProgress(options.progressStream);
  const timing = demoTiming(options.fast);
  const dataDir = resolve(options.dataDir);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  // No tokenwatch.yaml or TOKENWATCH_* variables: the demo must mean the same on every machine.
  const config = loadConfig({ cwd: dataDir, env: {}, flags: { dataDir, port: 0 } });
  // The demo's traffic carries agent attribution only.
  config.anomalies.entities = ['agent'];
  config.budgets = demoBudgets(AGENTS, timing);

  progress.update('starting Tokenwatch (embedded ClickHouse)', 0);
  const server = await startServer(config, { log: () => {} });
  try {
    await server.ready;
    const history = buildHistory(AGENTS, timing, Date.now());
    await sendHistory(server.url, history.spans, (fraction) =>
      progress.update(
        `backfilling ${timing.historyMinutes} min of history for ${AGENTS.length} agents`,
        fraction,
      ),
    );
    const live = await runLiveTraffic({
      serverUrl: server.url,
      agents: AGENTS,
      taskCounts: history.taskCounts,
      seconds: timing.liveSeconds,
      onProgress: (fraction) => progress.update('live agents calling the (fake) LLM', fraction),
    });
    progress.update('analyzing', 1);
    await server.flushed();
    const since = `${timing.historyMinutes + 10}m`;
    const findings = await readFindings(server.url, server.adminToken, live.endedAt, since);
    progress.done();
    write(
      renderFindings(findings, {
        dataDir: options.dataDir,
        historyMinutes: timing.historyMinutes,
        liveSeconds: timing.liveSeconds,
        at: live.endedAt,
      }),
    );
    return findings;
  } finally {
    progress.done();
    await server.close();
  }
}
