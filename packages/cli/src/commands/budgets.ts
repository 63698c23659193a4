import { anomaliesRead, budgetsRead, TIME_FORMS } from '@tokenwatch/analyzer';
import type { Command } from 'commander';
import { readCommand } from './read-command.ts';

/** `tokenwatch anomalies` and `tokenwatch budgets`: what burns now, and where each budget stands. */
export function registerBudgets(program: Command): void {
  readCommand(program, anomaliesRead, {
    name: 'anomalies',
    description:
      'entities spending at least 3x their own normal rate right now (burn-rate anomalies); with --since, those recorded in a range',
    options: [
      ['--at <time>', `evaluate at this time instead of now: ${TIME_FORMS}`],
      ['--since <time>', `anomalies recorded from this time on: ${TIME_FORMS}`],
      ['--until <time>', 'with --since: end of the range'],
      ['--limit <n>', 'anomalies to show'],
    ],
  });

  readCommand(program, budgetsRead, {
    name: 'budgets',
    description:
      'each budget: period-to-date spend, thresholds reached, forecast, burn-rate signals',
    options: [
      ['--at <time>', `evaluate at this time instead of now: ${TIME_FORMS}`],
      ['--limit <n>', 'budget instances to show'],
    ],
  });
}
