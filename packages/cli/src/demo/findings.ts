/**
 * @module
 * Reads what Tokenwatch found through the server's analytics API, as any client would, with the
 * serve process's admin token naming the open tenant.
 */

/** Cost of one agent over the demo window. */
export type AgentCost = { agent: string; calls: number; costUsd: string };
/** Task economics of one agent. */
export type AgentTasks = {
  agent: string;
  tasks: number;
  successes: number;
  costPerSuccessfulTaskUsd: string | null;
};
/** Cache behaviour of one agent. */
export type AgentCache = {
  agent: string;
  hitRate: number;
  prefixChurn?: number;
  breaksCache: boolean;
};
/** A burn-rate anomaly. */
export type AnomalyFinding = {
  entity: { kind: string; value: string };
  metric: string;
  ratio: number;
  projectedCostPerHourUsd: string;
};
/** A budget's status. */
export type BudgetFinding = {
  budgetId: string;
  instance: string;
  limit: string;
  spent: string;
  fraction: number;
  thresholds: { reached: number[] };
};

/** Everything the demo prints. */
export type Findings = {
  totalCostUsd: string;
  totalCalls: number;
  costs: AgentCost[];
  tasks: AgentTasks[];
  cache: AgentCache[];
  anomalies: AnomalyFinding[];
  budgets: BudgetFinding[];
};

/**
 * Queries cost, tasks, cache, anomalies and budgets. Anomalies and budgets are evaluated `at` the
 * end of the live traffic: the short window then holds only the runaway's live calls.
 */
export async function readFindings(
  url: string,
  adminToken: string,
  at: Date,
  since: string,
): Promise<Findings> {
  const get = async <T>(path: string, query: Record<string, string>): Promise<T> => {
    const params = new URLSearchParams({ tenant: 'default', ...query });
    const response = await fetch(`${url}/api/v1${path}?${params}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const [cost, tasks, cache, anomalies, budgets] = await Promise.all([
    get<{
      total: { costUsd: string; calls: number };
      rows: { key: { agent?: string }; calls: number; costUsd: string }[];
    }>('/cost', { since, by: 'agent' }),
    get<{ agents: AgentTasks[] }>('/tasks', { since, top: '1' }),
    get<{ agents: AgentCache[] }>('/cache', { since }),
    get<{ anomalies: AnomalyFinding[] }>('/anomalies', { at: at.toISOString() }),
    get<{ budgets: BudgetFinding[] }>('/budgets', { at: at.toISOString() }),
  ]);
  return {
    totalCostUsd: cost.total.costUsd,
    totalCalls: cost.total.calls,
    costs: cost.rows.map((r) => ({ agent: r.key.agent ?? '', calls: r.calls, costUsd: r.costUsd })),
    tasks: tasks.agents,
    cache: cache.agents,
    anomalies: anomalies.anomalies,
    budgets: budgets.budgets,
  };
}
