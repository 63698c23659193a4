import {
  type AgentContext,
  cacheRead,
  costRead,
  DIMENSIONS,
  failuresRead,
  getAgentContext,
  getContextGrowth,
  getTaskCostRegressions,
  type SessionContext,
  type TaskCostRegression,
  TIME_FORMS,
  type TimeRange,
  tasksRead,
} from '@tokenwatch/analyzer';
import type { Command } from 'commander';
import { type Backend, closeBackend, getRemote, openBackend } from '../backend.ts';
import { configFrom, formatOption, type GlobalOptions, parseTimeFlag } from '../options.ts';
import { renderRecords } from '../output.ts';
import { readCommand } from './read-command.ts';

/** A verb's range flags, with the configured time zone they are read in. */
type RangeOptions = { since: string; until?: string; tenant: string; timezone: string };

function rangeOf(opts: RangeOptions): TimeRange {
  const now = new Date();
  return {
    from: parseTimeFlag('--since', opts.since, { now, timezone: opts.timezone }),
    to: opts.until
      ? parseTimeFlag('--until', opts.until, { now, timezone: opts.timezone, edge: 'end' })
      : now,
  };
}

/** Adds the options every analytics verb takes and runs it against the store or the server. */
function analyticsCommand<T>(
  program: Command,
  name: string,
  description: string,
  defaultSince: string,
  configure: (command: Command) => Command,
  run: (
    backend: Backend,
    opts: RangeOptions & Record<string, string | undefined>,
    command: Command,
  ) => Promise<T>,
  print: (result: T, format: GlobalOptions['format']) => string,
): void {
  configure(
    program
      .command(name)
      .description(description)
      .option('--since <time>', `start: ${TIME_FORMS}`, defaultSince)
      .option('--until <time>', 'end (default now); a day or week given here is included whole')
      .option('--tenant <tenant>', 'tenant to report on', 'default')
      .addOption(formatOption()),
  ).action(async (opts: RangeOptions & Record<string, string | undefined>, command: Command) => {
    const global = command.optsWithGlobals<GlobalOptions>();
    const config = configFrom(command);
    const backend = await openBackend(config, global.server);
    try {
      const withZone = { ...opts, timezone: config.timezone };
      process.stdout.write(print(await run(backend, withZone, command), global.format));
    } finally {
      await closeBackend(backend);
    }
  });
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** `tokenwatch cost | tasks | cache | failures`: the analyzer's reports from the command line. */
export function registerAnalytics(program: Command): void {
  readCommand(program, costRead, {
    name: 'cost',
    description:
      'cost, tokens and calls by dimensions, with the change against the previous period',
    options: [
      ['--since <time>', `start: ${TIME_FORMS}`],
      ['--until <time>', 'end; a day or week given here is included whole'],
      ['--by <dimensions>', Object.keys(DIMENSIONS).join(', ')],
      ['--limit <n>', 'most expensive groups to show'],
    ],
  });

  readCommand(program, tasksRead, {
    name: 'tasks',
    description: 'the most expensive tasks, with outcomes, and cost per successful task by agent',
    options: [
      ['--since <time>', `start: ${TIME_FORMS}`],
      ['--until <time>', 'end; a day or week given here is included whole'],
      ['--limit <n>', 'most expensive tasks (and agents) to show'],
      ['--top <n>', 'the older name of --limit'],
      ['--outcome <outcome>', 'only success, failure, partial, abandoned or unknown'],
      ['--agent <agent>', 'only this agent'],
    ],
  });

  readCommand(program, cacheRead, {
    name: 'cache',
    description:
      'cache hit rate, savings, wasted cache writes and agents that break their own cache',
    options: [
      ['--since <time>', `start: ${TIME_FORMS}`],
      ['--until <time>', 'end; a day or week given here is included whole'],
      ['--limit <n>', 'agents to show'],
    ],
  });

  readCommand(program, failuresRead, {
    name: 'failures',
    description: 'cost of failed and abandoned tasks, failed calls and retries, by agent',
    options: [
      ['--since <time>', `start: ${TIME_FORMS}`],
      ['--until <time>', 'end; a day or week given here is included whole'],
      ['--limit <n>', 'agents to show'],
    ],
  });
}

type ContextResult = {
  range: TimeRange;
  sessions: SessionContext[];
  agents: AgentContext[];
  taskCostRegressions: TaskCostRegression[];
};

/** `tokenwatch context`: context growth per session, and cost-per-task regressions. */
export function registerContext(program: Command): void {
  analyticsCommand<ContextResult>(
    program,
    'context',
    'context growth in sessions, output/input ratio and window use by agent, cost-per-task regressions',
    '24h',
    (c) => c,
    async (backend, opts) => {
      const range = rangeOf(opts);
      if (backend.kind === 'remote') {
        return getRemote(backend, '/api/v1/context', {
          since: range.from.toISOString(),
          until: range.to.toISOString(),
          tenant: opts.tenant,
        });
      }
      const params = { tenant: opts.tenant, range };
      return {
        range,
        sessions: await getContextGrowth(backend.store, params),
        agents: await getAgentContext(backend.store, params),
        taskCostRegressions: await getTaskCostRegressions(backend.store, {
          tenant: opts.tenant,
          now: range.to,
        }),
      };
    },
    (result, format) =>
      format === 'json'
        ? json(result)
        : renderRecords(
            result.sessions.map((s) => ({
              session: s.session,
              agent: s.agent,
              calls: s.calls,
              first_prompt: s.firstPromptTokens,
              last_prompt: s.lastPromptTokens,
              max_window_use: s.maxUtilization.toFixed(2),
              compactions: s.compactions,
              near_window: s.nearWindowWithoutCompaction ? 'YES' : '',
            })),
            format,
          ),
  );
}
