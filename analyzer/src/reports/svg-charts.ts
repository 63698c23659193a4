import { usd } from './format.ts';
import type { WeeklyReport } from './schema.ts';

/** Escapes text for HTML and SVG content and attributes. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Colours for teams, in order of spend; repeated past the end. */
export const PALETTE = [
  '#2563eb',
  '#f97316',
  '#16a34a',
  '#9333ea',
  '#dc2626',
  '#0891b2',
  '#ca8a04',
];

const W = 560;
const H = 220;
const PAD = 30;
// Pixel geometry only: money is never summed here, only scaled for drawing.
const px = (n: number) => (Math.round(n * 10) / 10).toString();

/**
 * Daily spend stacked by team: one `<rect class="seg">` per team with spend that day, teams in
 * order of weekly spend, plus a legend.
 */
export function dailyByTeamChart(report: WeeklyReport, teams: readonly string[]): string {
  const days = report.daily;
  const max = Math.max(...days.map((d) => Number(d.costUsd)), 0) || 1;
  const slot = (W - PAD * 2) / Math.max(days.length, 1);
  const parts: string[] = [];
  days.forEach((d, i) => {
    let y = H - PAD;
    teams.forEach((team, t) => {
      const cost = Number(d.byTeam[team] ?? '0');
      if (cost <= 0) return;
      const h = (cost / max) * (H - PAD * 2);
      y -= h;
      parts.push(
        `<rect class="seg" data-date="${d.date}" data-team="${escapeXml(team)}" x="${px(PAD + i * slot + slot * 0.15)}" y="${px(y)}" width="${px(slot * 0.7)}" height="${px(h)}" fill="${PALETTE[t % PALETTE.length]}"><title>${escapeXml(`${d.date} ${team || '(none)'}: ${usd(d.byTeam[team] ?? '0')}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${px(PAD + i * slot + slot / 2)}" y="${H - PAD + 14}" font-size="10" text-anchor="middle">${d.date.slice(5)}</text>`,
    );
  });
  const legend = teams
    .map(
      (team, t) =>
        `<rect x="${PAD + t * 90}" y="4" width="10" height="10" fill="${PALETTE[t % PALETTE.length]}"/><text x="${PAD + t * 90 + 14}" y="13" font-size="10">${escapeXml(team || '(none)')}</text>`,
    )
    .join('');
  return svg('daily-by-team', 'Daily spend by team', `${legend}${parts.join('')}`);
}

/** Horizontal bars of the top agents by spend: one `<rect class="bar">` each. */
export function topAgentsChart(report: WeeklyReport, limit = 10): string {
  const lines = (report.attribution.agent ?? [])
    .filter((l) => Number(l.costUsd) > 0)
    .slice(0, limit);
  const max = Math.max(...lines.map((l) => Number(l.costUsd)), 0) || 1;
  const rowH = (H - PAD) / Math.max(lines.length, 1);
  const bars = lines
    .map((l, i) => {
      const w = (Number(l.costUsd) / max) * (W - 160);
      const y = 10 + i * rowH;
      return `<text x="4" y="${px(y + rowH * 0.55)}" font-size="11">${escapeXml(l.label)}</text><rect class="bar" data-agent="${escapeXml(l.label)}" x="120" y="${px(y)}" width="${px(w)}" height="${px(rowH * 0.7)}" fill="${PALETTE[0]}"><title>${escapeXml(`${l.label}: ${usd(l.costUsd)}`)}</title></rect>`;
    })
    .join('');
  return svg('top-agents', 'Top agents by spend', bars);
}

/**
 * Cache hit rate per day, 0–100 %: one `<circle class="point">` per day that has a rate, joined
 * by a line across consecutive days. A day without prompt tokens (no calls, or still to come)
 * has no point, so it never reads as a 0% day.
 */
export function cacheTrendChart(report: WeeklyReport): string {
  const days = report.daily;
  const step = (W - PAD * 2) / Math.max(days.length - 1, 1);
  const points = days.flatMap((d, i) =>
    d.hitRate === null
      ? []
      : [
          {
            i,
            date: d.date,
            rate: d.hitRate,
            x: PAD + i * step,
            y: H - PAD - d.hitRate * (H - PAD * 2),
          },
        ],
  );
  const runs: (typeof points)[] = [];
  for (const p of points) {
    const run = runs.at(-1);
    if (run && run.at(-1)!.i === p.i - 1) run.push(p);
    else runs.push([p]);
  }
  const line = runs
    .filter((run) => run.length > 1)
    .map(
      (run) =>
        `<polyline fill="none" stroke="${PALETTE[2]}" stroke-width="2" points="${run.map((p) => `${px(p.x)},${px(p.y)}`).join(' ')}"/>`,
    )
    .join('');
  const dots = points
    .map(
      (p) =>
        `<circle class="point" data-date="${p.date}" cx="${px(p.x)}" cy="${px(p.y)}" r="3" fill="${PALETTE[2]}"><title>${p.date}: ${Math.round(p.rate * 1000) / 10}%</title></circle>`,
    )
    .join('');
  const axis = `<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="#999"/><text x="2" y="${PAD}" font-size="10">100%</text><text x="2" y="${H - PAD}" font-size="10">0%</text>`;
  return svg('cache-hit-rate', 'Cache hit rate per day', `${axis}${line}${dots}`);
}

// The title is a visible caption, not only the SVG's accessible name: a chart pasted into an
// email or looked at as an image must say what it shows.
function svg(id: string, title: string, body: string): string {
  return `<figure class="chart"><figcaption>${escapeXml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" data-chart="${id}" role="img" aria-label="${escapeXml(title)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${body}</svg></figure>`;
}
