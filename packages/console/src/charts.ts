/**
 * @module
 * Charts as inline SVG rendered on the server: no chart library and no script, so a page is
 * complete as it arrives and prints, and screen readers get each mark's `<title>`. Colours come
 * from the stylesheet (classes `s0`…`s7`), so dark mode recolours them. Money is never summed
 * here, only scaled for drawing; amounts in titles are the reads' exact text.
 */
import { html } from 'hono/html';
import { localTime, usdText } from './format.ts';

/** Series colours the stylesheet defines, repeated past the end. */
export const SERIES_CLASSES = 8;

// Pixel geometry only.
const px = (n: number) => (Math.round(n * 10) / 10).toString();

/** One stacked bar: its start, and the value of each series in it (USD as decimal text, or a count). */
export type StackedBucket = { start: Date; values: Record<string, string | number> };

/**
 * Spend over time, stacked by series: one bar per bucket, placed by its time in the range (a
 * bucket without calls leaves a gap), one `<rect class="seg">` per series with spend.
 */
export function stackedBars(options: {
  range: { from: Date; to: Date };
  stepMs: number;
  series: readonly string[];
  buckets: readonly StackedBucket[];
  timezone: string;
  label: string;
  /** How a value reads in titles and on the axis. @default usdText */
  format?: (value: number | string) => string;
}) {
  const format = options.format ?? usdText;
  const W = 760;
  const H = 240;
  const left = 72;
  const bottom = 22;
  const top = 8;
  const { from, to } = options.range;
  const span = Math.max(to.getTime() - from.getTime(), 1);
  const totals = options.buckets.map((b) =>
    Object.values(b.values).reduce<number>((sum, v) => sum + Number(v), 0),
  );
  const max = Math.max(...totals, 0) || 1;
  const plotW = W - left - 8;
  const plotH = H - top - bottom;
  const barW = Math.max((options.stepMs / span) * plotW * 0.8, 1.5);
  const x = (t: number) => left + ((t - from.getTime()) / span) * plotW;
  const bars = options.buckets.map((b) => {
    // A day that began before the range (the range starts mid-day) is drawn from the range's start.
    const left0 = x(Math.max(b.start.getTime(), from.getTime()));
    let y = top + plotH;
    return options.series.map((name, i) => {
      const value = b.values[name];
      if (value === undefined || Number(value) <= 0) return '';
      const h = (Number(value) / max) * plotH;
      y -= h;
      return html`<rect class="seg s${i % SERIES_CLASSES}" data-series="${name}" data-start="${b.start.toISOString()}" x="${px(left0)}" y="${px(y)}" width="${px(barW)}" height="${px(h)}"><title>${`${localTime(b.start, options.timezone)} ${name || '(none)'}: ${format(value)}`}</title></rect>`;
    });
  });
  const ticks = [0, 0.5, 1].map(
    (f) =>
      html`<text class="axis" x="${left - 4}" y="${px(top + plotH - f * plotH + 4)}" text-anchor="end">${format(max * f)}</text><line class="grid" x1="${left}" x2="${W - 8}" y1="${px(top + plotH - f * plotH)}" y2="${px(top + plotH - f * plotH)}"/>`,
  );
  const labels = [from, to].map(
    (t, i) =>
      html`<text class="axis" x="${i === 0 ? left : W - 8}" y="${H - 6}" text-anchor="${i === 0 ? 'start' : 'end'}">${localTime(t, options.timezone)}</text>`,
  );
  return html`<figure class="chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${options.label}" data-testid="stacked-chart">${ticks}${bars}${labels}</svg>
<figcaption>${legend(options.series)}</figcaption></figure>`;
}

/** The series names with their colours. */
export function legend(series: readonly string[]) {
  return html`<ul class="legend">${series.map(
    (name, i) =>
      html`<li><svg width="10" height="10" aria-hidden="true"><rect class="s${i % SERIES_CLASSES}" width="10" height="10"/></svg>${name || '(none)'}</li>`,
  )}</ul>`;
}

/**
 * Horizontal bars of a ratio per row (a burn rate against its normal rate), with the threshold
 * drawn as a line across them.
 */
export function ratioBars(options: {
  rows: readonly { label: string; ratio: number }[];
  threshold: number;
  label: string;
}) {
  const W = 760;
  const rowH = 26;
  const left = 220;
  const H = options.rows.length * rowH + 24;
  const max = Math.max(options.threshold * 1.5, ...options.rows.map((r) => r.ratio));
  const scale = (v: number) => left + (v / max) * (W - left - 60);
  const rows = options.rows.map(
    (r, i) =>
      html`<text x="4" y="${i * rowH + 17}" class="label">${r.label}</text><rect class="bar ${r.ratio >= options.threshold ? 'hot' : 's0'}" x="${left}" y="${i * rowH + 5}" width="${px(scale(r.ratio) - left)}" height="${rowH - 10}"><title>${`${r.label}: ${r.ratio.toFixed(1)}× its normal rate`}</title></rect><text x="${px(scale(r.ratio) + 4)}" y="${i * rowH + 17}" class="axis">${r.ratio.toFixed(1)}×</text>`,
  );
  const t = scale(options.threshold);
  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${options.label}" data-testid="ratio-chart">${rows}<line class="threshold" x1="${px(t)}" x2="${px(t)}" y1="0" y2="${H - 16}"/><text class="axis" x="${px(t)}" y="${H - 4}" text-anchor="middle">threshold ${options.threshold}×</text></svg>`;
}

/** One call on a task's timeline. */
export type TimelineCall = {
  start: Date;
  durationMs: number;
  label: string;
  failed: boolean;
  context: number;
};

/**
 * A task's calls one after another: a bar per call from its start for its duration, and the
 * context each call sent as a line, so growth turn by turn shows beside the timing.
 */
export function taskTimeline(calls: readonly TimelineCall[], timezone: string) {
  if (calls.length === 0) return '';
  const W = 760;
  const rowH = 14;
  const left = 8;
  const lineH = 90;
  const first = Math.min(...calls.map((c) => c.start.getTime()));
  const last = Math.max(...calls.map((c) => c.start.getTime() + c.durationMs));
  const span = Math.max(last - first, 1);
  const x = (t: number) => left + ((t - first) / span) * (W - left * 2);
  const barsH = calls.length * rowH + 4;
  const bars = calls.map(
    (c, i) =>
      html`<rect class="seg ${c.failed ? 'hot' : 's0'}" x="${px(x(c.start.getTime()))}" y="${i * rowH + 2}" width="${px(Math.max(x(c.start.getTime() + c.durationMs) - x(c.start.getTime()), 2))}" height="${rowH - 4}"><title>${`#${i + 1} ${localTime(c.start, timezone)} ${c.label}, ${Math.round(c.durationMs)} ms`}</title></rect>`,
  );
  const maxContext = Math.max(...calls.map((c) => c.context), 1);
  const step = calls.length > 1 ? (W - left * 2) / (calls.length - 1) : 0;
  const points = calls
    .map(
      (c, i) =>
        `${px(left + i * step)},${px(barsH + 10 + lineH - (c.context / maxContext) * lineH)}`,
    )
    .join(' ');
  return html`<svg viewBox="0 0 ${W} ${barsH + lineH + 28}" role="img" aria-label="The task's calls over time, and the context each sent" data-testid="task-timeline">${bars}<polyline class="line" points="${points}"/><text class="axis" x="${left}" y="${barsH + lineH + 24}">context per call, up to ${maxContext.toLocaleString('en-US')} tokens</text></svg>`;
}
