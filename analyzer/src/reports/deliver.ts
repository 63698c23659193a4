import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FocusRow } from './focus.ts';
import { renderFocusCsv } from './focus.ts';
import { renderAttributionCsv, renderJson } from './render-csv.ts';
import { renderHtml } from './render-html.ts';
import { renderMarkdown } from './render-markdown.ts';
import type { WeeklyReport } from './schema.ts';
import type { ReportDelivery, ReportFormat } from './settings.ts';

/** A built report and what it takes to render every format. */
export type RenderableReport = { report: WeeklyReport; focusRows: readonly FocusRow[] };

const EXTENSIONS: Record<ReportFormat, string> = {
  md: 'md',
  html: 'html',
  json: 'json',
  csv: 'csv',
  focus: 'focus.csv',
};

/** Renders one format. */
export function renderFormat(r: RenderableReport, format: ReportFormat): string {
  switch (format) {
    case 'md':
      return renderMarkdown(r.report);
    case 'html':
      return renderHtml(r.report);
    case 'json':
      return renderJson(r.report);
    case 'csv':
      return renderAttributionCsv(r.report);
    case 'focus':
      return renderFocusCsv(r.focusRows);
  }
}

/** A stable name for a delivery, the key of its run records. */
export function deliveryKey(d: ReportDelivery): string {
  if (d.type === 'slack') return `slack:${d.webhook_url_env}`;
  if (d.type === 'webhook') return `webhook:${d.url}`;
  return `directory:${d.path}`;
}

/** Dependencies of {@link deliverReport}. */
export type DeliverDeps = {
  fetch: typeof globalThis.fetch;
  env: Record<string, string | undefined>;
};

/**
 * Sends a report to one delivery: files per format into a directory, the JSON report to a
 * webhook, the Markdown summary to Slack. Throws on any failure so the run is not recorded and
 * the next tick tries again.
 */
export async function deliverReport(
  r: RenderableReport,
  delivery: ReportDelivery,
  formats: readonly ReportFormat[],
  deps: DeliverDeps,
): Promise<void> {
  const base = `${r.report.tenant}-${r.report.week.label}`;
  if (delivery.type === 'directory') {
    await mkdir(delivery.path, { recursive: true });
    for (const format of formats) {
      await writeFile(
        join(delivery.path, `${base}.${EXTENSIONS[format]}`),
        renderFormat(r, format),
      );
    }
    return;
  }
  let url: string;
  let body: string;
  if (delivery.type === 'webhook') {
    url = delivery.url;
    body = renderJson(r.report);
  } else {
    const fromEnv = deps.env[delivery.webhook_url_env];
    if (!fromEnv) throw new Error(`${delivery.webhook_url_env} is not set (Slack webhook URL)`);
    url = fromEnv;
    body = JSON.stringify({ text: renderMarkdown(r.report) });
  }
  const response = await deps.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`${delivery.type} delivery answered ${response.status}`);
}
