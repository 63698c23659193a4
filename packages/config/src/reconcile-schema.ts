import { z } from 'zod';

const duration = z.string().regex(/^\d+(s|m|h|d)$/, 'a duration such as 30s, 15m, 24h or 7d');

const ids = z
  .record(z.string().min(1), z.string())
  .default({})
  .describe('Provider id → Tokenwatch project.');

/**
 * The `reconcile` section: how the providers' own grouping (OpenAI projects, Anthropic workspaces,
 * API keys) maps onto Tokenwatch's project attribution, so `tokenwatch reconcile --by project`
 * compares a provider's project with the calls Tokenwatch attributed to the same project.
 */
export const ReconcileSchema = z
  .object({
    projects: ids.describe(
      'OpenAI project id (proj_…) or Anthropic workspace id → Tokenwatch project.',
    ),
    api_keys: ids.describe(
      'Provider API key id (key_…, apikey_…) → Tokenwatch project, for lines whose project or workspace is not mapped.',
    ),
    fetch_every: duration
      .optional()
      .describe(
        'How often serve fetches the exports of each provider whose admin key is set (OPENAI_ADMIN_KEY, ANTHROPIC_ADMIN_KEY); never when absent. Read at start.',
      ),
    fetch_since: duration
      .default('3d')
      .describe('How far back each fetch reads again: providers complete their figures late.'),
    tenant: z
      .string()
      .min(1)
      .default('default')
      .describe('Tenant the fetched usage is stored for.'),
  })
  .strict();

/** The resolved `reconcile` section. */
export type ReconcileConfig = {
  /** Provider project or workspace id → Tokenwatch project. */
  projects: Record<string, string>;
  /** Provider API key id → Tokenwatch project. */
  apiKeys: Record<string, string>;
  /** Scheduled fetching by serve: how often (never when undefined), how far back, for whom. */
  fetch: { every: string | undefined; since: string; tenant: string };
};

/** The section as the rest of Tokenwatch reads it (camelCase). */
export function toReconcileConfig(section: z.infer<typeof ReconcileSchema>): ReconcileConfig {
  return {
    projects: section.projects,
    apiKeys: section.api_keys,
    fetch: { every: section.fetch_every, since: section.fetch_since, tenant: section.tenant },
  };
}
