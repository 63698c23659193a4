/**
 * @module
 * Clients of the read contract: one over a store in this process, one over HTTP through a running
 * `serve`. Both parse the query with the read's schema against the caller's clock and time zone,
 * and both return what the read's result schema parses, so a caller gets the same value from
 * either.
 */
import type { Store } from '@tokenwatch/store';
import type { z } from 'zod';
import type { AlertEngine } from '../alerts/index.ts';
import type { AnalyzerSettings } from '../api/settings.ts';
import { parseReadQuery, queryParams, type RawParams, type Read, runRead } from './contract.ts';

/** Answers reads of the contract, wherever they run. */
export type ReadClient = {
  /**
   * Parses `params` with the read's query schema and answers the read.
   *
   * @throws {ReadQueryError} for a refused parameter, before anything is asked
   * @throws {ReadRequestError} when a server could not be asked or answered outside the contract
   */
  read<Q, S extends z.ZodType>(read: Read<Q, S>, params: RawParams): Promise<z.output<S>>;
};

/**
 * Reads over a store in this process, for one tenant.
 *
 * @example
 * const reads = inProcessReadClient({ store, settings: { config, pricer }, tenant: 'acme' });
 * const cost = await reads.read(costRead, { since: '7d', by: 'team' });
 */
export function inProcessReadClient(deps: {
  store: Store;
  settings: AnalyzerSettings;
  tenant: string;
  /** The alert engine of this process, if one runs here. */
  alerts?: AlertEngine;
  /** @default () => new Date() */
  now?: () => Date;
}): ReadClient {
  const now = deps.now ?? (() => new Date());
  return {
    read(read, params) {
      const query = parseReadQuery(read, params, {
        now: now(),
        timezone: deps.settings.config.timezone,
      });
      return runRead(read, deps, query);
    },
  };
}

/** Why a read through a server failed: it could not be reached, refused, or broke the contract. */
export class ReadRequestError extends Error {
  constructor(
    readonly code: 'unreachable' | 'refused' | 'invalid_response',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReadRequestError';
  }
}

/**
 * Reads through a running server's `/api/v1`. An API key reads its own tenant; the serve
 * process's admin token reads the `tenant` given. Times are resolved here, against `timezone` and
 * this clock, and sent as instants, so the server answers for exactly the range asked.
 *
 * @example
 * const reads = httpReadClient({ url: 'http://127.0.0.1:4318', key, timezone: 'UTC' });
 */
export function httpReadClient(deps: {
  url: string;
  /** An API key, or the serve process's admin token. */
  key: string;
  /** With the admin token: the tenant to read. */
  tenant?: string;
  /** The time zone days and weeks are read in (the configured one). */
  timezone: string;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
}): ReadClient {
  const now = deps.now ?? (() => new Date());
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  return {
    async read(read, params) {
      const query = parseReadQuery(read, params, { now: now(), timezone: deps.timezone });
      const url = new URL(`/api/v1${read.path}`, deps.url);
      for (const [name, value] of Object.entries(queryParams(query)))
        url.searchParams.set(name, value);
      if (deps.tenant !== undefined) url.searchParams.set('tenant', deps.tenant);
      let response: Response;
      try {
        response = await fetchImpl(url, { headers: { authorization: `Bearer ${deps.key}` } });
      } catch (err) {
        throw new ReadRequestError(
          'unreachable',
          `Could not reach the Tokenwatch server at ${deps.url}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      const payload: unknown = await response.json().catch(() => undefined);
      if (!response.ok) {
        const error = (payload as { error?: unknown } | undefined)?.error;
        throw new ReadRequestError(
          'refused',
          typeof error === 'string' ? error : `${deps.url} answered ${response.status}`,
        );
      }
      const result = read.result.safeParse(payload);
      if (!result.success) {
        const issue = result.error.issues[0]!;
        throw new ReadRequestError(
          'invalid_response',
          `${deps.url} answered ${read.name} outside the contract (${issue.path.join('.') || 'result'}: ${issue.message}); is it another version?`,
        );
      }
      return result.data as z.output<typeof read.result>;
    },
  };
}
