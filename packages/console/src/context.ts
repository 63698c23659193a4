import type { ReadClient } from '@tokenwatch/analyzer';
import type { Config } from '@tokenwatch/config';

/** What a page is rendered from. */
export type PageContext = {
  /** Reads of the contract for the viewer's tenant, in process: the API's answers. */
  reads: ReadClient;
  /** The page's URL parameters (its state). */
  params: Record<string, string>;
  /** The configuration in effect. */
  config: Config;
  timezone: string;
  /** The instant relative ranges mean (the reads' clock). */
  now: Date;
  /**
   * Bytes acknowledged to agents but not yet in the store (the spool's lag), when this process
   * ingests and the viewer may see server-wide figures (no API keys, one tenant).
   */
  backlogBytes?: () => Promise<number>;
};

/** A rendered page: its title and body. */
export type RenderedPage = { title: string; body: unknown; status?: 200 | 404 };

/** The value of a URL parameter, or `fallback` when it is absent or empty. */
export function param(ctx: PageContext, name: string, fallback: string): string {
  const value = ctx.params[name];
  return value === undefined || value === '' ? fallback : value;
}

/** The page's URL with some parameters replaced (undefined removes one). */
export function linkWith(
  path: string,
  params: Record<string, string>,
  changes: Record<string, string | undefined>,
): string {
  const next = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...params, ...changes }))
    if (v !== undefined && v !== '') next.set(k, v);
  const query = next.toString();
  return query ? `${path}?${query}` : path;
}
