/**
 * @module
 * The demo's cast: eight agents with steady habits, one that breaks its prompt cache and one that
 * runs away. History and live traffic both draw their calls from {@link taskPlan}, so the live
 * minutes look exactly like the backfilled ones and only the runaway stands out.
 */

/** One agent's habits. */
export type AgentProfile = {
  name: string;
  model: string;
  /** Tasks started per minute in normal operation. */
  tasksPerMinute: number;
  /** LLM calls per task: a tool loop, the context growing on each turn. */
  callsPerTask: number;
  /** Prompt tokens of the first call, and how much each tool result adds. */
  basePrompt: number;
  growth: number;
  output: number;
  /** Reads its stable system prompt and tools back from the prompt cache. */
  cached: boolean;
  /** Puts the current time in its system prompt: a new prefix on every call. */
  breaksCache?: boolean;
  /** Retries a 500 now and then, and sometimes gives up. */
  flaky?: boolean;
  /** Calls at {@link RUNAWAY_FACTOR}× its rate at the end of the demo window. */
  runaway?: boolean;
};

export const RUNAWAY_AGENT = 'data-enricher';
export const CACHE_BREAKING_AGENT = 'doc-summarizer';
/** How much faster the runaway calls: well over the anomaly rule's 3×. */
export const RUNAWAY_FACTOR = 5;
/** Seconds between the calls of one task (history spacing; live calls are as fast as the fake). */
export const CALL_GAP_MS = 1_000;

export const AGENTS: readonly AgentProfile[] = [
  {
    name: 'support-triage',
    model: 'gpt-4o-mini',
    tasksPerMinute: 3,
    callsPerTask: 3,
    basePrompt: 1800,
    growth: 600,
    output: 150,
    cached: true,
  },
  {
    name: 'code-reviewer',
    model: 'gpt-4o',
    tasksPerMinute: 2,
    callsPerTask: 4,
    basePrompt: 3000,
    growth: 1200,
    output: 300,
    cached: true,
  },
  {
    name: 'research-assistant',
    model: 'gpt-4o-mini',
    tasksPerMinute: 2,
    callsPerTask: 5,
    basePrompt: 2500,
    growth: 900,
    output: 250,
    cached: true,
    flaky: true,
  },
  {
    name: 'sql-helper',
    model: 'gpt-4o-mini',
    tasksPerMinute: 2,
    callsPerTask: 3,
    basePrompt: 1500,
    growth: 500,
    output: 120,
    cached: true,
  },
  {
    name: CACHE_BREAKING_AGENT,
    model: 'gpt-4o-mini',
    tasksPerMinute: 2,
    callsPerTask: 3,
    basePrompt: 2200,
    growth: 700,
    output: 200,
    cached: false,
    breaksCache: true,
  },
  {
    name: 'email-drafter',
    model: 'gpt-4o-mini',
    tasksPerMinute: 2,
    callsPerTask: 3,
    basePrompt: 1200,
    growth: 400,
    output: 300,
    cached: true,
  },
  {
    name: 'planner',
    model: 'gpt-4o',
    tasksPerMinute: 1,
    callsPerTask: 4,
    basePrompt: 2000,
    growth: 800,
    output: 200,
    cached: true,
  },
  {
    name: RUNAWAY_AGENT,
    model: 'gpt-4o-mini',
    tasksPerMinute: 2,
    callsPerTask: 4,
    basePrompt: 2000,
    growth: 800,
    output: 150,
    cached: true,
    runaway: true,
  },
];

/** How long each phase lasts. */
export type DemoTiming = {
  historyMinutes: number;
  liveSeconds: number;
  /** Seconds of backfilled history (before live traffic) in which the runaway already runs away. */
  spikeHistorySeconds: number;
};

/**
 * Full: two hours of history and 75 s live. Fast: one hour (the baseline needs 30 active minutes
 * outside the last 15) and 30 s live, so the 30-second window is all live runaway traffic. The
 * runaway's spike spans ~2.5 min in total so the 2-minute window is inside it.
 */
export function demoTiming(fast: boolean): DemoTiming {
  return fast
    ? { historyMinutes: 60, liveSeconds: 30, spikeHistorySeconds: 120 }
    : { historyMinutes: 120, liveSeconds: 75, spikeHistorySeconds: 80 };
}

/** Token usage of one call, in the fake LLM's terms. */
export type CallUsage = { uncachedInput: number; cacheRead: number; output: number };

/** One step of a task: a call that succeeds, or one the provider answers with a 500. */
export type CallStep = { usage: CallUsage; fails: boolean };

/** A task's calls and how it ends. */
export type TaskPlan = { steps: CallStep[]; outcome: 'success' | 'failure' };

/**
 * The calls of an agent's `index`-th task. Flaky agents retry a 500 on every 6th task and give up
 * (task failure) on every 9th; the retry repeats the call exactly, as a real retry would.
 */
export function taskPlan(agent: AgentProfile, index: number): TaskPlan {
  const steps: CallStep[] = [];
  const retry = agent.flaky === true && index % 6 === 3;
  const giveUp = agent.flaky === true && index % 9 === 5;
  for (let turn = 0; turn < agent.callsPerTask; turn++) {
    const prompt = agent.basePrompt + turn * agent.growth;
    // The stable prefix is warm from earlier tasks; later turns also reuse the conversation.
    const cacheRead = agent.cached ? Math.round(prompt * (turn === 0 ? 0.5 : 0.75)) : 0;
    const usage = { uncachedInput: prompt - cacheRead, cacheRead, output: agent.output };
    if (giveUp && turn === 2) {
      steps.push({ usage, fails: true }, { usage, fails: true });
      return { steps, outcome: 'failure' };
    }
    if (retry && turn === 1) steps.push({ usage, fails: true });
    steps.push({ usage, fails: false });
  }
  return { steps, outcome: 'success' };
}

/** Task interval of an agent, in ms, at normal pace or running away. */
export function taskIntervalMs(agent: AgentProfile, runningAway: boolean): number {
  const rate = agent.tasksPerMinute * (runningAway && agent.runaway ? RUNAWAY_FACTOR : 1);
  return 60_000 / rate;
}
