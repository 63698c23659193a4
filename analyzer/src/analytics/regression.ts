import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { chTime } from './time-range.ts';

/** Thresholds of the weekly cost-per-task regression check. */
export const REGRESSION = {
  minTasks: 30,
  medianRatio: 1.25,
  pValue: 0.01,
  baselineWeeks: 4,
} as const;

/** This week's cost per task of an agent against its previous weeks. */
export type TaskCostRegression = {
  agent: string;
  tasks: number;
  baselineTasks: number;
  medianUsd: number;
  baselineMedianUsd: number;
  p90Usd: number;
  baselineP90Usd: number;
  /** This week's median over the baseline median. */
  ratio: number;
  /** Mann-Whitney U test, two-sided: could the two samples come from one distribution? */
  pValue: number | null;
  regressed: boolean;
};

const Row = z.object({
  agent: z.string(),
  tasks: z.coerce.number(),
  baseline_tasks: z.coerce.number(),
  q_now: z.array(z.coerce.number()),
  q_before: z.array(z.coerce.number()),
});

/**
 * Cost per task week over week: for each agent, the tasks of the 7 days before `now` against the
 * 4 weeks before those. A regression needs enough tasks on both sides, a median at least 25%
 * higher, and a Mann-Whitney p-value below 0.01 (one expensive task does not make a trend).
 */
export async function getTaskCostRegressions(
  store: Store,
  params: { tenant: string; now: Date },
): Promise<TaskCostRegression[]> {
  const week = 7 * 86_400_000;
  const from = new Date(params.now.getTime() - (1 + REGRESSION.baselineWeeks) * week);
  const split = new Date(params.now.getTime() - week);
  const p = {
    tenant: params.tenant,
    from: chTime(from),
    split: chTime(split),
    now: chTime(params.now),
  };
  // Calls outside any task are not a task; a task's agent is that of its last call (argMax, so
  // the answer does not depend on the order the engine reads rows in).
  const perTask = `SELECT task_id, argMax(agent, (start_time, span_id)) AS agent,
      toFloat64(sum(ifNull(total_cost, 0))) AS cost,
      min(start_time) >= {split: DateTime64(3, 'UTC')} AS recent
    FROM ${TABLES.llmCalls}
    WHERE tenant = {tenant: String} AND start_time >= {from: DateTime64(3, 'UTC')}
      AND start_time < {now: DateTime64(3, 'UTC')} AND task_id != ''
    GROUP BY task_id`;
  const stats = await queryRows(store, {
    query: `SELECT agent, countIf(recent) AS tasks, countIf(NOT recent) AS baseline_tasks,
        quantilesExactIf(0.5, 0.9)(cost, recent) AS q_now,
        quantilesExactIf(0.5, 0.9)(cost, NOT recent) AS q_before
      FROM (${perTask}) GROUP BY agent ORDER BY agent`,
    params: p,
    schema: Row,
    settings: { max_execution_time: 60 },
  });
  // The test throws on an empty sample, so it only runs for agents with enough tasks on both sides.
  const testable = stats
    .filter((r) => r.tasks >= REGRESSION.minTasks && r.baseline_tasks >= REGRESSION.minTasks)
    .map((r) => r.agent);
  const tests =
    testable.length === 0
      ? []
      : await queryRows(store, {
          query: `SELECT agent, mannWhitneyUTest('two-sided')(cost, toUInt8(recent)).2 AS p
      FROM (${perTask}) WHERE agent IN {agents: Array(String)} GROUP BY agent`,
          params: { ...p, agents: testable },
          schema: z.object({ agent: z.string(), p: z.coerce.number() }),
          settings: { max_execution_time: 60 },
        });
  const pValues = new Map(tests.map((r) => [r.agent, r.p]));
  return stats.map((r) => {
    const medianUsd = r.q_now[0] ?? 0;
    const baselineMedianUsd = r.q_before[0] ?? 0;
    const ratio = baselineMedianUsd > 0 ? medianUsd / baselineMedianUsd : 0;
    const pValue = pValues.get(r.agent) ?? null;
    return {
      agent: r.agent,
      tasks: r.tasks,
      baselineTasks: r.baseline_tasks,
      medianUsd,
      baselineMedianUsd,
      p90Usd: r.q_now[1] ?? 0,
      baselineP90Usd: r.q_before[1] ?? 0,
      ratio,
      pValue,
      regressed:
        r.tasks >= REGRESSION.minTasks &&
        r.baseline_tasks >= REGRESSION.minTasks &&
        ratio >= REGRESSION.medianRatio &&
        pValue !== null &&
        pValue < REGRESSION.pValue,
    };
  });
}
