/**
 * @module
 * Span export that tells the operator when it fails and never holds the application's exit.
 *
 * The OTLP exporter retries a failed export (connection refused included) with backoff until its
 * timeout, 10 s by default, on timers that keep the process alive; and it reports failures only
 * through `diag`, silent by default. So with the collector down an application lost its spans
 * without a word and took ten seconds to exit. {@link WatchedExporter} fixes both:
 *
 * - the first failed export prints one line on stderr naming the endpoint and the error, and the
 *   first success after it one line saying export resumed (not one per batch);
 * - batches go to a second, impatient exporter (one short try) whenever the collector is not known
 *   to be up: before its first success, while it is failing, and once the application is closing.
 *   The patient exporter, with the standard timeout and retries, is used only while the collector
 *   answers, where retries ride out a restart.
 */
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { warn } from './warn.ts';

/**
 * Timeout of the impatient exporter: the first attempt, at most one retry a second later, and
 * under two seconds in all.
 */
export const BRIEF_EXPORT_TIMEOUT_MS = 2_000;

/**
 * The traces URL the OTLP/HTTP exporter posts to, worked out from the environment the way the
 * exporter does, for messages.
 */
export function otlpTracesUrl(env: NodeJS.ProcessEnv = process.env): string {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || 'http://localhost:4318';
  return `${base.endsWith('/') ? base : `${base}/`}v1/traces`;
}

/** The error in a few words: Node's network errors can carry an empty message and only a code. */
export function describeExportError(error: unknown): string {
  if (!(error instanceof Error)) return error === undefined ? 'unknown error' : String(error);
  const { code } = error as { code?: unknown };
  if (typeof code === 'number') return `HTTP ${code}${error.message ? ` ${error.message}` : ''}`;
  if (error.message) return error.message;
  return typeof code === 'string' ? code : error.name;
}

/** Options of {@link WatchedExporter}. */
export type WatchedExporterOptions = {
  /** Where spans go, for messages: a URL, or a description of a custom exporter. */
  destination: string;
  /** The impatient twin of the exporter; without it every batch goes to the exporter. */
  brief?: SpanExporter;
};

/** See the module comment. */
export class WatchedExporter implements SpanExporter {
  private readonly _patient: SpanExporter;
  private readonly _brief: SpanExporter | undefined;
  private readonly _destination: string;
  private _up = false;
  private _failing = false;
  private _closing = false;

  constructor(exporter: SpanExporter, options: WatchedExporterOptions) {
    this._patient = exporter;
    this._brief = options.brief;
    this._destination = options.destination;
  }

  /** From now on every batch gets one short try: the application is exiting. */
  close(): void {
    this._closing = true;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const patient = this._up && !this._failing && !this._closing;
    const exporter = patient || !this._brief ? this._patient : this._brief;
    let reported = false;
    const done = (result: ExportResult): void => {
      if (reported) return;
      reported = true;
      try {
        this._observe(result);
      } finally {
        resultCallback(result);
      }
    };
    try {
      exporter.export(spans, done);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  private _observe(result: ExportResult): void {
    if (result.code === ExportResultCode.FAILED) {
      if (this._failing) return;
      this._failing = true;
      warn(
        `cannot export spans to ${this._destination} (${describeExportError(result.error)}); ` +
          'they are dropped until it answers',
      );
      return;
    }
    this._up = true;
    if (!this._failing) return;
    this._failing = false;
    warn(`exporting spans to ${this._destination} again`);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([this._patient.forceFlush?.(), this._brief?.forceFlush?.()]);
  }

  async shutdown(): Promise<void> {
    this._closing = true;
    await Promise.all([this._patient.shutdown(), this._brief?.shutdown()]);
  }
}
