import {
  costSeriesRead,
  freshnessRead,
  spanRead,
  TIME_FORMS,
  taskCallsRead,
} from '@tokenwatch/analyzer';
import type { Command } from 'commander';
import { readCommand } from './read-command.ts';

/**
 * `tokenwatch series | task | span | freshness`: the reads the web console is built on, from the
 * command line (the same answers: one read contract for both).
 */
export function registerExplore(program: Command): void {
  readCommand(program, costSeriesRead, {
    name: 'series',
    description:
      'spend per hour or day in the configured time zone, stacked by a dimension, with sums per group',
    options: [
      ['--since <time>', `start: ${TIME_FORMS}`],
      ['--until <time>', 'end; a day or week given here is included whole'],
      ['--by <dimensions>', 'one or two rollup dimensions (agent, team, model, …)'],
      ['--step <step>', 'hour or day (by the range when left out)'],
      ['--series <n>', 'series drawn before the rest is folded into "(other)"'],
      ['--limit <n>', 'groups to show'],
      ['--agent <agent>', 'only this agent'],
      ['--team <team>', 'only this team'],
      ['--feature <feature>', 'only this feature'],
      ['--project <project>', 'only this project'],
      ['--model <model>', 'only this model'],
      ['--provider <provider>', 'only this provider'],
    ],
  });

  readCommand(program, taskCallsRead, {
    name: 'task',
    description: "one task's calls in order: model, tokens, context size, cost, latency, status",
    options: [
      ['--id <task>', 'the task id'],
      ['--limit <n>', 'calls to show'],
    ],
  });

  readCommand(program, spanRead, {
    name: 'span',
    description: 'one raw span with its span and resource attributes',
    options: [
      ['--trace <trace-id>', 'its trace id (32 hex digits)'],
      ['--span <span-id>', 'its span id (16 hex digits)'],
    ],
  });

  readCommand(program, freshnessRead, {
    name: 'freshness',
    description: 'when the latest call started and when it was stored',
    options: [],
  });
}
