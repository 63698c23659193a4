import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Provider } from './errors.ts';
import type { ModelPrice, ScriptedError, ScriptedReply } from './types.ts';
import type { ResolvedUsage } from './usage.ts';
import type { UsageLedger } from './usage-ledger.ts';

/** What a route handler gets once the request is parsed, checked and its reply chosen. */
export type RouteContext = {
  body: Record<string, unknown>;
  /** The scripted reply for this request, or the server's default reply. */
  reply: ScriptedReply;
  res: ServerResponse;
  /** Aborts when the client goes away or the server closes. */
  signal: AbortSignal;
  /** Headers every response of this request carries: request id and scripted extras. */
  headers: OutgoingHttpHeaders;
  /** The request's query string, parsed. */
  query: URLSearchParams;
  /** The request's headers, names in lower case. */
  requestHeaders: IncomingHttpHeaders;
  /** Records a billed call as answered, for the usage and cost exports. */
  bill(model: string, usage: ResolvedUsage, serviceTier: string): void;
  /** What the admin endpoints read: the calls answered, their prices, the clock, the admin key. */
  fake: {
    ledger: UsageLedger;
    prices: Readonly<Record<string, ModelPrice>>;
    now(): number;
    adminKey: string | undefined;
  };
};

/** The JSON type a required body field must have. */
export type FieldKind = 'string' | 'number' | 'array' | 'present';

/** One endpoint of the fake API. */
export type Route = {
  method: 'GET' | 'POST';
  path: string;
  provider: Provider;
  /**
   * Whether the endpoint is a billed model call, which consumes replies scripted without a path.
   * Other endpoints (model lists, token counting) only consume replies scripted for their path.
   */
  billed: boolean;
  /** Body fields the real API rejects the request without. */
  required?: Readonly<Record<string, FieldKind>>;
  handle(ctx: RouteContext): void | Promise<void>;
};

function hasKind(value: unknown, kind: FieldKind): boolean {
  if (kind === 'array') return Array.isArray(value);
  if (kind === 'present') return value !== undefined && value !== null;
  return typeof value === kind;
}

/**
 * Finds the first required field that is missing or of the wrong type and words the 400 the way
 * the provider does (OpenAI names the parameter, Anthropic prefixes the field path).
 */
export function checkRequiredFields(
  route: Route,
  body: Record<string, unknown>,
): (ScriptedError & { param: string }) | undefined {
  for (const [param, kind] of Object.entries(route.required ?? {})) {
    const value = body[param];
    if (hasKind(value, kind)) continue;
    const missing = value === undefined;
    if (route.provider === 'openai') {
      return {
        status: 400,
        param,
        code: missing ? 'missing_required_parameter' : 'invalid_type',
        message: missing
          ? `Missing required parameter: '${param}'.`
          : `Invalid type for '${param}': expected ${kind === 'array' ? 'an array' : `a ${kind}`}.`,
      };
    }
    return {
      status: 400,
      param,
      message: missing
        ? `${param}: Field required`
        : `${param}: Input should be a valid ${kind === 'array' ? 'list' : kind}`,
    };
  }
  return undefined;
}
