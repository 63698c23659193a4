/**
 * @module
 * Names for people of what an alert is about ("agent planner", "agent planner (tenant acme)"),
 * so every page, message and report line says which agent, user, team, session or budget it
 * concerns: three rows reading "Budget per-agent-hour reached 100%" tell on-call nothing.
 */

/** `agent=planner&session=s%201` as `agent planner, session s 1`. */
export function instanceName(instance: string): string {
  return instancePairs(instance)
    .map(([field, value]) => `${field} ${value}`)
    .join(', ');
}

/** The decoded `[field, value]` pairs of a budget instance name. */
export function instancePairs(instance: string): [string, string][] {
  if (!instance) return [];
  return instance.split('&').map((pair) => {
    const at = pair.indexOf('=');
    const value = pair.slice(at + 1);
    let decoded = value;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      // A hand-written label that is not URI-encoded: show it as it is.
    }
    return [pair.slice(0, at), decoded];
  });
}

/** `name (tenant acme)` when several tenants share the engine, else `name`. */
export function withTenant(name: string, tenant: string, namedTenants: boolean): string {
  return namedTenants ? `${name} (tenant ${tenant})` : name;
}

/**
 * The entity an alert is about, named from its labels alone (so clients of the JSON API and the
 * CLI name it the same way): the anomaly's entity, the budget instance (or the budget), the
 * agent, else the tenant.
 *
 * @example
 * alertEntityName({ budget_id: 'per-agent', instance: 'agent=a07' }, 'acme'); // 'agent a07 on budget per-agent'
 */
export function alertEntityName(labels: Record<string, string>, tenant: string): string {
  if (labels.entity_kind && labels.entity_value !== undefined)
    return `${labels.entity_kind} ${labels.entity_value}`;
  if (labels.budget_id) {
    return labels.instance
      ? `${instanceName(labels.instance)} on budget ${labels.budget_id}`
      : `budget ${labels.budget_id}`;
  }
  if (labels.agent) return `agent ${labels.agent}`;
  return `tenant ${tenant}`;
}

/**
 * The strings a text must contain to name the entity: the entity's value (or each instance
 * value, or the budget id), and the tenant when several tenants share the engine.
 */
export function entityTerms(
  labels: Record<string, string>,
  tenant: string,
  namedTenants: boolean,
): string[] {
  let terms: string[];
  if (labels.entity_kind && labels.entity_value !== undefined) terms = [labels.entity_value];
  else if (labels.instance) terms = instancePairs(labels.instance).map(([, v]) => v);
  else if (labels.budget_id) terms = [labels.budget_id];
  else if (labels.agent) terms = [labels.agent];
  else terms = [tenant];
  if (namedTenants && !terms.includes(tenant)) terms.push(tenant);
  return terms.filter((t) => t !== '');
}
