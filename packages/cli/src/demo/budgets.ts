/**
 * @module
 * The demo's budgets, sized from the scenario with the same prices the collector uses: one the
 * runaway crosses, and an organization-wide one that stays comfortably green.
 */
import { type BudgetConfig, BudgetSchema } from '@tokenwatch/config';
import { createPricer } from '@tokenwatch/pricing';
import { type AgentProfile, type DemoTiming, RUNAWAY_AGENT, taskPlan } from './scenario.ts';

/** Expected USD of one of the agent's tasks, averaged over its retry/give-up cycle. */
export function taskCostUsd(agent: AgentProfile): number {
  const pricer = createPricer();
  const startTimeNs = BigInt(Date.now()) * 1_000_000n;
  const cycle = 18;
  let total = 0;
  for (let index = 0; index < cycle; index++) {
    for (const step of taskPlan(agent, index).steps) {
      if (step.fails) continue;
      const price = pricer.price({
        provider: 'openai',
        requestModel: agent.model,
        responseModel: agent.model,
        startTimeNs,
        inputTokens: step.usage.uncachedInput,
        cacheReadTokens: step.usage.cacheRead,
        cacheWriteTokens: 0,
        outputTokens: step.usage.output,
        reasoningTokens: 0,
      });
      if (price.priced) total += Number(price.totalCost);
    }
  }
  return total / cycle;
}

const round = (usd: number) => Number(usd.toPrecision(2));

/**
 * A rolling 15-minute budget on the runaway at 1.25× its normal spend (the spike brings it to
 * about 1.5×), and a rolling 24-hour budget on everything at 3× the whole demo's spend.
 */
export function demoBudgets(agents: readonly AgentProfile[], timing: DemoTiming): BudgetConfig[] {
  const runaway = agents.find((a) => a.name === RUNAWAY_AGENT);
  const runawayPer15m = runaway ? taskCostUsd(runaway) * runaway.tasksPerMinute * 15 : 0.01;
  const minutes = timing.historyMinutes + timing.liveSeconds / 60;
  const everything = agents.reduce(
    (sum, a) => sum + taskCostUsd(a) * a.tasksPerMinute * minutes,
    0,
  );
  return [
    BudgetSchema.parse({
      id: `${RUNAWAY_AGENT}-15m`,
      scope: { agent: RUNAWAY_AGENT },
      period: 'rolling',
      window: '15m',
      limit_usd: round(runawayPer15m * 1.25),
    }),
    BudgetSchema.parse({
      id: 'all-agents-24h',
      period: 'rolling',
      window: '24h',
      limit_usd: round(everything * 3),
    }),
  ];
}
