/**
 * @module
 * The read contract. Each read the analyzer answers (cost, tasks, budgets, the weekly report…) is
 * one {@link Read}: its name, its HTTP path under `/api/v1`, a query schema (raw parameters →
 * typed query, defaults included), a result schema, the in-process implementation over a store and
 * the settings in effect, and how the CLI prints the result. The API routes
 * (`api/read-routes.ts`), the in-process client and the HTTP client (`client.ts`) are all built
 * from it, so a read is written once and answers the same JSON whichever way it is asked.
 */
import type { Store } from '@tokenwatch/store';
import type { z } from 'zod';
import type { AlertEngine } from '../alerts/index.ts';
import type { AnalyzerSettings } from '../api/settings.ts';

/** What a query's times and defaults are resolved against. */
export type QueryContext = {
  /** The instant relative times (`7d`) and `now` defaults mean. */
  now: Date;
  /** The configured time zone, for days and weeks (`yesterday`, `2026-W49`). */
  timezone: string;
};

/** Query parameters as they come from a URL or from command-line flags. */
export type RawParams = Readonly<Record<string, string | undefined>>;

/** What an implementation runs against. */
export type ReadContext = {
  store: Store;
  /** The config and pricer in effect for this read. */
  settings: AnalyzerSettings;
  /** The tenant the read is scoped to (from the API key, or the client's choice in process). */
  tenant: string;
  /**
   * The alert engine running in this process, if any (`serve`): its in-memory state (muted
   * alerts) is fresher than the store's. Without one, alerts are read from the store.
   */
  alerts?: AlertEngine;
};

/** How many rows of a list were shown, of how many there were. */
export type Truncation = { shown: number; total: number };

/** One table the CLI prints for a result (`--format table` or `csv`). */
export type ReadTable = {
  records: Record<string, unknown>[];
  /** Set when the row limit cut the table: the CLI says how many rows it left out. */
  truncated?: Truncation | undefined;
  /** What the table format prints instead of `(no rows)`. */
  empty?: string;
};

/** How the CLI prints a read's result. */
export type ReadPrint<R> = {
  /** What `--format json` prints. @default the result itself */
  json?(result: R): unknown;
  /** The tables `--format table` and `--format csv` print, in order. */
  tables(result: R): ReadTable[];
};

/**
 * Rendered documents of a result (the weekly report as Markdown, HTML, CSV…): the route answers
 * one when the query asks for it, and the CLI renders the result it received the same way.
 */
export type ReadDocuments<Q, R> = {
  /** The document format the query asks for; undefined means the result as JSON. */
  asked(query: Q): string | undefined;
  contentType(format: string): string;
  render(result: R, format: string): string;
};

/**
 * One read of the contract. The query schema's output keys are its parameter names and its
 * values are ones a parameter can carry back (a Date as an ISO time, a list as comma-separated
 * text, numbers and booleans as text): the HTTP client sends the query it parsed, and the server
 * parses it to the same value (see {@link queryParams}).
 */
export type Read<Q, S extends z.ZodType> = {
  /** The read's name, e.g. `cost`. */
  name: string;
  /** Its path under `/api/v1`, e.g. `/cost`. */
  path: `/${string}`;
  /** Raw parameters → typed query, with every default of the read. */
  query(context: QueryContext): z.ZodType<Q>;
  /**
   * The defaults the query schema applies, as parameter text (`since: '7d'`), for help texts:
   * the schema takes them from here, so they are stated once.
   */
  defaults?: Readonly<Record<string, string>>;
  /** The result as it crosses the wire: both clients return what this schema parses. */
  result: S;
  /** The in-process implementation. */
  run(context: ReadContext, query: Q): Promise<z.input<S>>;
  /** How the CLI prints the result in tables (reads printed as documents have `documents`). */
  print?: ReadPrint<z.output<S>>;
  documents?: ReadDocuments<Q, z.output<S>>;
};

/** A read with its types erased, as the list of reads and the route builder hold it. */
export type AnyRead = Read<unknown, z.ZodType>;

/** The typed query of a read. */
export type QueryOf<T> = T extends Read<infer Q, z.ZodType> ? Q : never;

/** The typed result of a read. */
export type ResultOf<T> = T extends Read<unknown, infer S> ? z.output<S> : never;

/** Declares a read, checking the implementation against the result schema. */
export function defineRead<Q, S extends z.ZodType>(read: Read<Q, S>): Read<Q, S> {
  return read;
}

/** A query parameter was refused; `param` names it, as the API's 400 and the CLI's flag do. */
export class ReadQueryError extends Error {
  readonly code = 'invalid_query';
  constructor(
    readonly param: string,
    readonly reason: string,
  ) {
    super(`${param}: ${reason}`);
    this.name = 'ReadQueryError';
  }
}

/**
 * Parses raw parameters with a read's query schema.
 *
 * @throws {ReadQueryError} naming the first parameter that was refused
 */
export function parseReadQuery<Q>(
  read: Read<Q, z.ZodType>,
  params: RawParams,
  context: QueryContext,
): Q {
  const parsed = read.query(context).safeParse(params);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ReadQueryError(issue.path.map(String).join('.') || 'query', issue.message);
}

/**
 * Runs a read's implementation and parses what it returned with the result schema: the
 * in-process client and the API route both answer through here, so both give exactly the
 * contract's fields (nothing the implementation happens to carry besides).
 */
export async function runRead<Q, S extends z.ZodType>(
  read: Read<Q, S>,
  context: ReadContext,
  query: Q,
): Promise<z.output<S>> {
  return read.result.parse(await read.run(context, query)) as z.output<S>;
}

/**
 * A parsed query as URL parameters: Dates as ISO times, lists comma-separated, numbers and
 * booleans as text; undefined values are left out. Parsing the parameters again gives the same
 * query, so a query resolved against the client's clock and time zone means the same on the server.
 */
export function queryParams(query: unknown): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    params[name] =
      value instanceof Date
        ? value.toISOString()
        : Array.isArray(value)
          ? value.join(',')
          : String(value);
  }
  return params;
}
