import type { AlertRuleKind } from '@tokenwatch/config';

/**
 * Built-in `summary` and `description` templates by rule kind; a rule's own `annotations` win
 * key by key. They carry the numbers, since a page that only says "anomaly" sends people digging,
 * and they name the entity (`{{entity_name}}`: the agent, user, session, budget instance or tenant,
 * with the tenant when there are several), since "budget reached 100%" three times says nothing.
 */
export const DEFAULT_ANNOTATIONS: Record<AlertRuleKind, { summary: string; description: string }> =
  {
    burn_rate_anomaly: {
      summary: '{{entity_name}} is burning {{metric}} at {{ratio}}x its normal rate',
      description:
        '{{entity_name}}: {{ratio}}x (long window) / {{short_ratio}}x (short window) over a baseline of {{baseline}} {{metric}}/min; {{tokens}} tokens, {{cost_usd}} USD in {{calls}} calls; projected {{projected_cost_per_hour_usd}} USD/h; top model {{top_model}}.',
    },
    budget_threshold: {
      summary:
        '{{entity_name}} reached {{threshold_pct}}% of budget {{budget_id}} ({{percent}}% spent)',
      description: '{{entity_name}}: {{spent}} of {{limit}} {{unit}} spent ({{percent}}%).',
    },
    budget_burn_rate: {
      summary:
        '{{entity_name}} is burning budget {{budget_id}} at {{long_burn}}x ({{long_window}}) / {{short_burn}}x ({{short_window}})',
      description:
        '{{entity_name}}: burn rate threshold {{burn_threshold}}x; {{spent}} of {{limit}} {{unit}} spent this period.',
    },
    budget_forecast: {
      summary: '{{entity_name}} will run out of budget {{budget_id}} at {{exhausts_at}}',
      description:
        '{{entity_name}}: projected {{projected}} of {{limit}} {{unit}} by period end at {{rate_per_hour}} {{unit}}/h; {{spent}} spent so far.',
    },
    cost_per_task_regression: {
      summary: 'Cost per task of {{entity_name}} up {{ratio}}x this week',
      description:
        'Median {{median_usd}} USD vs {{baseline_median_usd}} USD over {{tasks}} tasks; p90 {{p90_usd}} USD; p-value {{p_value}}.',
    },
    cache_hit_rate_drop: {
      summary: 'Cache hit rate of {{entity_name}} fell to {{hit_rate_pct}}%',
      description:
        'From {{previous_hit_rate_pct}}% in the previous window (−{{drop_pct}} points) over {{calls}} calls.',
    },
    failure_cost_ratio: {
      summary: '{{waste_pct}}% of the spend of {{entity_name}} is wasted on failures',
      description:
        '{{total_cost_usd}} USD spent; {{failed_tasks}} failed tasks, {{failed_calls}} failed calls, {{retries}} retries.',
    },
    unpriced_calls: {
      summary: '{{unpriced_calls}} calls without a price in {{entity_name}} ({{unpriced_pct}}%)',
      description: '{{unpriced_calls}} of {{calls}} calls have no price: add them to prices:.',
    },
    coverage_drop: {
      summary: 'Tokenwatch sees {{coverage_pct}}% of the {{provider}} bill',
      description:
        '{{unexplained_usd}} of {{billed_usd}} USD billed was never observed (under {{min_coverage_pct}}%): an uninstrumented service or key.',
    },
  };
