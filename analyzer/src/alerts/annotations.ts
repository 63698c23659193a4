import type { AlertRuleKind } from './config.ts';

/**
 * Built-in `summary` and `description` templates by rule kind; a rule's own `annotations` win
 * key by key. They carry the numbers, since a page that only says "anomaly" sends people digging.
 */
export const DEFAULT_ANNOTATIONS: Record<AlertRuleKind, { summary: string; description: string }> =
  {
    burn_rate_anomaly: {
      summary: '{{entity}} is burning {{metric}} at {{ratio}}x its normal rate ({{tenant}})',
      description:
        '{{entity}}: {{ratio}}x (long window) / {{short_ratio}}x (short window) over a baseline of {{baseline}} {{metric}}/min; {{tokens}} tokens, {{cost_usd}} USD in {{calls}} calls; projected {{projected_cost_per_hour_usd}} USD/h; top model {{top_model}}.',
    },
    budget_threshold: {
      summary: 'Budget {{budget_id}} reached {{threshold_pct}}% ({{percent}}% spent, {{tenant}})',
      description: '{{spent}} of {{limit}} {{unit}} spent ({{percent}}%).',
    },
    budget_burn_rate: {
      summary:
        'Budget {{budget_id}} burning at {{long_burn}}x ({{long_window}}) / {{short_burn}}x ({{short_window}}) ({{tenant}})',
      description:
        'Burn rate threshold {{burn_threshold}}x; {{spent}} of {{limit}} {{unit}} spent this period.',
    },
    budget_forecast: {
      summary: 'Budget {{budget_id}} will run out at {{exhausts_at}} ({{tenant}})',
      description:
        'Projected {{projected}} of {{limit}} {{unit}} by period end at {{rate_per_hour}} {{unit}}/h; {{spent}} spent so far.',
    },
    cost_per_task_regression: {
      summary: 'Cost per task of agent {{agent}} up {{ratio}}x this week ({{tenant}})',
      description:
        'Median {{median_usd}} USD vs {{baseline_median_usd}} USD over {{tasks}} tasks; p90 {{p90_usd}} USD; p-value {{p_value}}.',
    },
    cache_hit_rate_drop: {
      summary: 'Cache hit rate of agent {{agent}} fell to {{hit_rate_pct}}% ({{tenant}})',
      description:
        'From {{previous_hit_rate_pct}}% in the previous window (−{{drop_pct}} points) over {{calls}} calls.',
    },
    failure_cost_ratio: {
      summary: '{{waste_pct}}% of agent {{agent}} spend is wasted on failures ({{tenant}})',
      description:
        '{{total_cost_usd}} USD spent; {{failed_tasks}} failed tasks, {{failed_calls}} failed calls, {{retries}} retries.',
    },
    unpriced_calls: {
      summary: '{{unpriced_calls}} calls without a price ({{unpriced_pct}}%, {{tenant}})',
      description: '{{unpriced_calls}} of {{calls}} calls have no price: add them to prices:.',
    },
  };
