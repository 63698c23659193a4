import { describe, expect, it } from 'vitest';
import { AlertsSchema, DEFAULT_ALERT_RULES, effectiveAlertRules } from './alerts-schema.ts';

const issues = (input: unknown) => {
  const result = AlertsSchema.safeParse(input);
  if (result.success) throw new Error('expected a failure');
  return result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('AlertsSchema', () => {
  it('fills defaults and falls back to the built-in rules', () => {
    const alerts = AlertsSchema.parse({});
    expect(alerts).toEqual({
      evaluate_every: '30s',
      repeat_interval: { page: '1h', ticket: '4h', info: '24h' },
      receivers: [],
    });
    expect(effectiveAlertRules(alerts)).toBe(DEFAULT_ALERT_RULES);
    expect(effectiveAlertRules(AlertsSchema.parse({ rules: [] }))).toEqual([]);
  });

  it('parses every receiver type, with the PagerDuty URL default', () => {
    const alerts = AlertsSchema.parse({
      receivers: [
        { name: 'am', type: 'alertmanager', url: 'http://am:9093' },
        { name: 'pd', type: 'pagerduty', routing_key_env: 'PD_KEY' },
        { name: 'chat', type: 'slack', webhook_url_env: 'SLACK_URL' },
        { name: 'hook', type: 'webhook', url: 'https://x.invalid/h', hmac_secret_env: 'HOOK_KEY' },
      ],
      rules: [
        {
          name: 'runaway',
          kind: 'burn_rate_anomaly',
          severity: 'page',
          receivers: ['pd'],
          annotations: { summary: '{{entity}} at {{ratio}}x' },
          repeat_interval: '30m',
        },
      ],
    });
    expect(alerts.receivers[1]).toEqual({
      name: 'pd',
      type: 'pagerduty',
      routing_key_env: 'PD_KEY',
      url: 'https://events.pagerduty.com/v2/enqueue',
    });
    expect(alerts.rules?.[0]).toMatchObject({ labels: {}, repeat_interval: '30m' });
  });

  it('refuses literal secrets and names the key', () => {
    expect(issues({ receivers: [{ name: 'pd', type: 'pagerduty', routing_key: 'abc' }] })).toEqual([
      'receivers.0.routing_key_env: Invalid input: expected string, received undefined',
      'receivers.0: Unrecognized key: "routing_key"',
    ]);
  });

  it('names the rule key of unknown receivers, placeholders, kinds and durations', () => {
    expect(
      issues({
        receivers: [{ name: 'am', type: 'alertmanager', url: 'http://am:9093' }],
        rules: [
          {
            name: 'r1',
            kind: 'unpriced_calls',
            severity: 'info',
            receivers: ['am', 'nope'],
            annotations: { summary: '{{unpriced_calls}} calls, {{ratio}}' },
          },
        ],
      }),
    ).toEqual([
      'rules.0.receivers.1: no receiver named "nope"',
      'rules.0.annotations.summary: unknown placeholder {{ratio}} for unpriced_calls; known: tenant, rule, severity, entity, entity_name, unpriced_calls, calls, unpriced_pct',
    ]);
    expect(issues({ rules: [{ name: 'x', kind: 'nope', severity: 'page' }] })[0]).toMatch(
      /^rules\.0\.kind: /,
    );
    expect(issues({ evaluate_every: '30 seconds' })).toEqual([
      'evaluate_every: a duration such as 30s, 15m, 24h or 7d',
    ]);
    expect(
      issues({ rules: [{ name: 'x', kind: 'budget_forecast', severity: 'urgent' }] })[0],
    ).toMatch(/^rules\.0\.severity: /);
  });
});
