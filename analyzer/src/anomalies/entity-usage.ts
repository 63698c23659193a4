import type { ScopeField } from '@tokenwatch/config';
import { Decimal } from '@tokenwatch/pricing';
import type { CurrentUsageRow } from './current-repository.ts';

/** One entity's usage over the detection windows, all models and agents together. */
export type EntityUsage = {
  kind: ScopeField;
  value: string;
  tokensLong: number;
  tokensShort: number;
  callsLong: number;
  callsShort: number;
  costLong: Decimal;
  costShort: Decimal;
  /** Model with the most tokens (then calls, then name) in the long window. */
  topModel: string;
  /** Agent with the most tokens in the long window: a session's parent for its cohort. */
  parentAgent: string;
};

type Weight = { tokens: number; calls: number };

function heaviest(weights: Map<string, Weight>): string {
  let best = '';
  let bestWeight: Weight | undefined;
  for (const [name, w] of [...weights].sort(([a], [b]) => a.localeCompare(b))) {
    if (
      !bestWeight ||
      w.tokens > bestWeight.tokens ||
      (w.tokens === bestWeight.tokens && w.calls > bestWeight.calls)
    ) {
      best = name;
      bestWeight = w;
    }
  }
  return best;
}

function addWeight(weights: Map<string, Weight>, name: string, tokens: number, calls: number) {
  const w = weights.get(name) ?? { tokens: 0, calls: 0 };
  w.tokens += tokens;
  w.calls += calls;
  weights.set(name, w);
}

/** Sums the per-(entity, model, agent) rows into one usage per entity, in row order. */
export function sumEntityUsage(rows: readonly CurrentUsageRow[]): EntityUsage[] {
  const entities = new Map<
    string,
    EntityUsage & { models: Map<string, Weight>; agents: Map<string, Weight> }
  >();
  for (const row of rows) {
    const key = `${row.kind}\u0000${row.value}`;
    let e = entities.get(key);
    if (!e) {
      e = {
        kind: row.kind,
        value: row.value,
        tokensLong: 0,
        tokensShort: 0,
        callsLong: 0,
        callsShort: 0,
        costLong: Decimal.ZERO,
        costShort: Decimal.ZERO,
        topModel: '',
        parentAgent: '',
        models: new Map(),
        agents: new Map(),
      };
      entities.set(key, e);
    }
    e.tokensLong += row.tokensLong;
    e.tokensShort += row.tokensShort;
    e.callsLong += row.callsLong;
    e.callsShort += row.callsShort;
    e.costLong = e.costLong.plus(row.costLong);
    e.costShort = e.costShort.plus(row.costShort);
    addWeight(e.models, row.model, row.tokensLong, row.callsLong);
    addWeight(e.agents, row.agent, row.tokensLong, row.callsLong);
  }
  return [...entities.values()].map(({ models, agents, ...e }) => ({
    ...e,
    topModel: heaviest(models),
    parentAgent: heaviest(agents),
  }));
}
