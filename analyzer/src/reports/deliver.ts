import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportDelivery, ReportFormat } from '@tokenwatch/config';
import {
  DEFAULT_RETRY,
  type FetchFn,
  type HttpTarget,
  type RetryPolicy,
  sendJson,
} from '../shared/http-delivery.ts';
import type { FocusRow } from './focus.ts';
import { renderFocusCsv } from './focus.ts';
import { renderAttributionCsv, renderJson } from './render-csv.ts';
import { renderHtml } from './render-html.ts';
import { renderMarkdown } from './render-markdown.ts';
import type { WeeklyReport } from './schema.ts';

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

/**
 * Retries of report POSTs: those of alerts, with a longer timeout per attempt because a report's
 * JSON is far larger than a notification.
 */
export const REPORT_RETRY: RetryPolicy = { ...DEFAULT_RETRY, timeoutMs: 30_000 };

/** Dependencies of {@link deliverReport}. */
export type DeliverDeps = {
  fetch: FetchFn;
  /** Where `*_env` secrets (the Slack URL, a webhook's signing secret) are read, at send time. */
  env: Record<string, string | undefined>;
  /** @default REPORT_RETRY */
  retry?: RetryPolicy;
};

/**
 * Sends a report to one delivery: files per format into a directory, the JSON report to a
 * webhook (signed when it names a secret), the Markdown summary to Slack. HTTP deliveries are
 * retried on 429, 5xx and network errors as alert notifications are. Throws on any failure so
 * the run is not recorded and the next tick tries again.
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
  let target: HttpTarget;
  let body: string;
  if (delivery.type === 'webhook') {
    target = { url: delivery.url, hmacSecretEnv: delivery.hmac_secret_env };
    body = renderJson(r.report);
  } else {
    target = { urlEnv: delivery.webhook_url_env };
    body = JSON.stringify({ text: renderMarkdown(r.report) });
  }
  const outcome = await sendJson(target, body, { ...deps, retry: deps.retry ?? REPORT_RETRY });
  if (!outcome.ok) throw new Error(`${delivery.type} delivery failed: ${outcome.error}`);
}
