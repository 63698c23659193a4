import { z } from 'zod';

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
  })
  .strict();

/** The resolved `reconcile` section. */
export type ReconcileConfig = {
  /** Provider project or workspace id → Tokenwatch project. */
  projects: Record<string, string>;
  /** Provider API key id → Tokenwatch project. */
  apiKeys: Record<string, string>;
};

/** The section as the rest of Tokenwatch reads it (camelCase). */
export function toReconcileConfig(section: z.infer<typeof ReconcileSchema>): ReconcileConfig {
  return { projects: section.projects, apiKeys: section.api_keys };
}
