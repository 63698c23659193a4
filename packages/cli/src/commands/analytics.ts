import {
  cacheRead,
  contextRead,
  costRead,
  DIMENSIONS,
  failuresRead,
  TIME_FORMS,
  tasksRead,
} from '@tokenwatch/analyzer';
import type { Command } from 'commander';
import { readCommand } from './read-command.ts';

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

/** `tokenwatch context`: context growth per session, and cost-per-task regressions. */
export function registerContext(program: Command): void {
  readCommand(program, contextRead, {
    name: 'context',
    description:
      'context growth in sessions, output/input ratio and window use by agent, cost-per-task regressions',
    options: [
      ['--since <time>', `start: ${TIME_FORMS}`],
      ['--until <time>', 'end; a day or week given here is included whole'],
      ['--limit <n>', 'largest sessions (and agents) to show'],
    ],
  });
}
