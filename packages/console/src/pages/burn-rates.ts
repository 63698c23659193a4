import { costRead, type ResultOf } from '@tokenwatch/analyzer';
import { html } from 'hono/html';
import { ratioBars } from '../charts.ts';
import type { PageContext } from '../context.ts';
import { usd } from '../format.ts';

/** The hours of normal spend the last hour is compared with. */
const NORMAL_HOURS = 7 * 24 - 1;

/** An agent's spend in the last hour against its hourly average over the week before. */
export type AgentBurn = {
  agent: string;
  lastHourUsd: string;
  /** The week's spend (before the last hour) over its hours; 0 for an agent new this hour. */
  normalPerHour: number;
  /** lastHour / normalPerHour; null for an agent with no spend before the last hour. */
  ratio: number | null;
};

/**
 * Burn rate now against normal for every agent that spent in the last hour, from two `cost`
 * reads (the last hour, and the week before it, by agent). A page-level comparison for reading:
 * the anomaly detector itself judges minutes against its own baselines.
 */
export async function agentBurnRates(ctx: PageContext): Promise<AgentBurn[]> {
  const [hour, week] = await Promise.all([
    ctx.reads.read(costRead, { since: '1h', by: 'agent', limit: '20' }),
    ctx.reads.read(costRead, { since: '7d', until: '1h', by: 'agent', limit: '1000' }),
  ]);
  return burnRatesOf(hour, week);
}

/** The comparison from the two reads' answers. */
export function burnRatesOf(
  hour: ResultOf<typeof costRead>,
  week: ResultOf<typeof costRead>,
): AgentBurn[] {
  const before = new Map(week.rows.map((r) => [r.key.agent ?? '', Number(r.costUsd)]));
  return hour.rows
    .filter((r) => Number(r.costUsd) > 0)
    .map((r) => {
      const agent = r.key.agent ?? '';
      const normalPerHour = (before.get(agent) ?? 0) / NORMAL_HOURS;
      return {
        agent,
        lastHourUsd: r.costUsd,
        normalPerHour,
        ratio: normalPerHour > 0 ? Number(r.costUsd) / normalPerHour : null,
      };
    });
}

/** The panel: a bar per agent against the anomaly ratio, and the agents new this hour. */
export function burnPanel(ctx: PageContext, burns: readonly AgentBurn[]) {
  const threshold = ctx.config.anomalies.ratio;
  const rated = burns.filter((b) => b.ratio !== null);
  const fresh = burns.filter((b) => b.ratio === null);
  return html`<h3>Last hour against the hourly average of the week before, by agent</h3>${
    burns.length === 0
      ? html`<p class="empty">No agent spent in the last hour.</p>`
      : html`${
          rated.length > 0
            ? ratioBars({
                rows: rated.map((b) => ({ label: b.agent || '(none)', ratio: b.ratio! })),
                threshold,
                label: 'Each agent’s spend in the last hour against its normal hourly spend',
              })
            : ''
        }${
          fresh.length > 0
            ? html`<p class="note">New this hour: ${fresh.map(
                (b, i) => html`${i > 0 ? ', ' : ''}${b.agent || '(none)'} ${usd(b.lastHourUsd)}`,
              )}</p>`
            : ''
        }<p class="note">The dashed line is the anomaly ratio (${threshold}×), which the detector applies to the last minutes against each one’s own baseline.</p>`
  }`;
}
