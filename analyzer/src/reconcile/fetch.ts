/**
 * Fetches a provider's usage and cost exports from its admin API, following pagination, and
 * stores them like an import. The admin key is only ever sent as the provider's auth header.
 *
 * @module
 */
import type { Store } from '@tokenwatch/store';
import { type ImportSummary, parseExport, storeProviderUsage } from './import.ts';
import { type ExportPage, exportPages, ReconcileError, type ReconcileProvider } from './lines.ts';

/** Where each provider's admin API lives unless overridden. */
export const DEFAULT_ADMIN_BASE_URLS: Readonly<Record<ReconcileProvider, string>> = {
  openai: 'https://api.openai.com',
  anthropic: 'https://api.anthropic.com',
};

/** Options of {@link fetchProviderUsage}. */
export type FetchOptions = {
  provider: ReconcileProvider;
  /** The admin key (`OPENAI_ADMIN_KEY` / `ANTHROPIC_ADMIN_KEY`); never stored or logged. */
  adminKey: string;
  /** Admin API origin, e.g. a fake provider's URL. @default the provider's public API */
  baseUrl?: string;
  /** First bucket: snapped to its UTC day, since cost exports are daily. */
  since: Date;
  /** End of the range (exclusive). @default now */
  until?: Date;
  /** Usage bucket width (costs are always daily). @default '1h' */
  bucketWidth?: '1h' | '1d';
  /** At most this many pages per export, a guard against a server that never ends. @default 1000 */
  maxPages?: number;
};

const DAY_MS = 86_400_000;

type Request = { path: string; params: [string, string][] };

function requests(o: FetchOptions, start: Date, end: Date, width: string): Request[] {
  if (o.provider === 'openai') {
    const range: [string, string][] = [
      ['start_time', String(Math.floor(start.getTime() / 1000))],
      // Whole seconds, rounded up: the range is exclusive, and rounding down would leave out the
      // calls of the second the fetch runs in.
      ['end_time', String(Math.ceil(end.getTime() / 1000))],
    ];
    return [
      {
        path: '/v1/organization/usage/completions',
        params: [
          ...range,
          ['bucket_width', width],
          ['limit', width === '1h' ? '168' : '31'],
          ...['model', 'project_id', 'api_key_id', 'batch', 'service_tier'].map(
            (g): [string, string] => ['group_by', g],
          ),
        ],
      },
      {
        path: '/v1/organization/costs',
        params: [
          ...range,
          ['bucket_width', '1d'],
          ['limit', '180'],
          ['group_by', 'line_item'],
          ['group_by', 'project_id'],
        ],
      },
    ];
  }
  const range: [string, string][] = [
    ['starting_at', start.toISOString()],
    ['ending_at', end.toISOString()],
  ];
  return [
    {
      path: '/v1/organizations/usage_report/messages',
      params: [
        ...range,
        ['bucket_width', width],
        ['limit', width === '1h' ? '168' : '31'],
        ...['model', 'workspace_id', 'api_key_id', 'service_tier'].map((g): [string, string] => [
          'group_by[]',
          g,
        ]),
      ],
    },
    {
      path: '/v1/organizations/cost_report',
      params: [
        ...range,
        ['bucket_width', '1d'],
        ['limit', '31'],
        ['group_by[]', 'description'],
        ['group_by[]', 'workspace_id'],
      ],
    },
  ];
}

function authHeaders(o: FetchOptions): Record<string, string> {
  return o.provider === 'openai'
    ? { authorization: `Bearer ${o.adminKey}` }
    : { 'x-api-key': o.adminKey, 'anthropic-version': '2023-06-01' };
}

/** GETs every page of one export, following `next_page` while `has_more`. */
async function allPages(o: FetchOptions, request: Request): Promise<ExportPage[]> {
  const base = o.baseUrl ?? DEFAULT_ADMIN_BASE_URLS[o.provider];
  const pages: ExportPage[] = [];
  let page: string | null | undefined;
  for (let n = 0; n < (o.maxPages ?? 1000); n++) {
    const url = new URL(request.path, base);
    for (const [k, v] of request.params) url.searchParams.append(k, v);
    if (page) url.searchParams.set('page', page);
    let response: Response;
    try {
      response = await fetch(url, { headers: authHeaders(o) });
    } catch (err) {
      throw new ReconcileError(`${o.provider} admin API at ${url.origin} did not answer`, {
        cause: err,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      // The answer is the provider's error JSON; it never echoes the key.
      throw new ReconcileError(
        `${o.provider} ${request.path} answered ${response.status}: ${text.slice(0, 300)}`,
      );
    }
    const [parsed] = exportPages(JSON.parse(text) as unknown);
    pages.push(parsed!);
    if (!parsed!.has_more || !parsed!.next_page) return pages;
    page = parsed!.next_page;
  }
  throw new ReconcileError(`${o.provider} ${request.path}: more than ${o.maxPages ?? 1000} pages`);
}

/**
 * Fetches usage and costs from `since` (its UTC day) to `until` and stores them for the tenant.
 * Fetching the same range again replaces what was stored, so the trailing days can be re-fetched
 * as the provider's late data arrives.
 */
export async function fetchProviderUsage(
  store: Store,
  tenant: string,
  options: FetchOptions,
): Promise<ImportSummary> {
  const start = new Date(Math.floor(options.since.getTime() / DAY_MS) * DAY_MS);
  const end = options.until ?? new Date();
  const pages: ExportPage[] = [];
  for (const request of requests(options, start, end, options.bucketWidth ?? '1h'))
    pages.push(...(await allPages(options, request)));
  return storeProviderUsage(store, tenant, options.provider, parseExport(options.provider, pages));
}
