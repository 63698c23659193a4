import { createRequire } from 'node:module';
import { AlertsSchema, AnomaliesSchema, BudgetSchema } from '@tokenwatch/config';
import { insertLlmCalls, queryRows } from '@tokenwatch/store';
import { openTestStore } from '@tokenwatch/store/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeCall } from '../../test/support/test-calls.ts';
import type { AlertEngineConfig } from './engine.ts';
import { exportGrafanaAlertRules } from './grafana.ts';

// The analyzer does not depend on a YAML parser; the config package does, so borrow its copy.
const { parse } = createRequire(import.meta.resolve('@tokenwatch/config'))('yaml') as {
  parse(text: string): unknown;
};

type Rule = {
  uid: string;
  title: string;
  condition: string;
  keepFiringFor: string;
  labels: Record<string, string>;
  data: {
    refId: string;
    datasourceUid: string;
    relativeTimeRange?: { from: number; to: number };
    model: { rawSql?: string; conditions?: { evaluator: { params: number[] } }[] };
  }[];
};
type Provisioning = {
  apiVersion: number;
  groups: { name: string; folder: string; interval: string; rules: Rule[] }[];
};

const config: AlertEngineConfig = {
  alerts: AlertsSchema.parse({ evaluate_every: '1m' }),
  budgets: [
    BudgetSchema.parse({
      id: 'team-a',
      tenant: 'acme',
      scope: { team: "a'b" },
      period: 'monthly',
      limit_usd: 100,
      thresholds: [0.5, 1],
    }),
    BudgetSchema.parse({ id: 'per-agent', period: 'daily', per: 'agent', limit_tokens: 1000 }),
  ],
  anomalies: AnomaliesSchema.parse({}),
  timezone: 'UTC',
};

describe('exportGrafanaAlertRules', () => {
  it('emits provisioning YAML that parses, with the datasource uid in every query', () => {
    const text = exportGrafanaAlertRules(config, 'tw-clickhouse');
    expect(text.split('\n')[0]).toBe(
      '# Rules evaluated by the Tokenwatch analyzer only: budget_burn_page, budget_burn_ticket',
    );
    const doc = parse(text) as Provisioning;
    expect(doc.apiVersion).toBe(1);
    const [group] = doc.groups;
    expect(group).toMatchObject({ name: 'tokenwatch', folder: 'Tokenwatch', interval: '1m' });
    // Defaults: runaway; budget_exhausted (100 % of team-a); budget_threshold (50 % of team-a;
    // the per-agent budget and team-a's 80 % are not configured thresholds / expressible).
    expect(group!.rules.map((r) => [r.title, r.labels.severity])).toEqual([
      ['runaway', 'page'],
      ['budget_exhausted', 'page'],
      ['budget_threshold', 'ticket'],
    ]);
    for (const rule of group!.rules) {
      expect(rule.condition).toBe('C');
      // Three evaluations of 1m, as the engine keeps a firing alert.
      expect(rule.keepFiringFor).toBe('180s');
      expect(rule.uid).toMatch(/^tw_[0-9a-f]{16}$/);
      expect(rule.data.map((d) => d.datasourceUid)).toEqual([
        'tw-clickhouse',
        '__expr__',
        '__expr__',
      ]);
      expect(rule.data[0]!.relativeTimeRange!.from).toBeGreaterThan(0);
    }
    const thresholds = group!.rules.map((r) => r.data[2]!.model.conditions![0]!.evaluator.params);
    expect(thresholds).toEqual([[3], [1], [0.5]]);
  });

  it('writes budget queries ClickHouse runs, quoting scope values', async () => {
    const doc = parse(exportGrafanaAlertRules(config, 'uid')) as Provisioning;
    const sql = doc.groups[0]!.rules[1]!.data[0]!.model.rawSql!;
    expect(sql).toContain("team = 'a\\'b'");
    const t = await openTestStore();
    try {
      await insertLlmCalls(t.store, [
        makeCall({ tenant: 'acme', team: "a'b", at: Date.now() - 1000, totalCost: '25' }),
      ]);
      const rows = await queryRows(t.store, {
        query: sql,
        schema: z.object({ fraction: z.coerce.number() }),
      });
      expect(rows).toEqual([{ fraction: 0.25 }]);
    } finally {
      await t.cleanup();
    }
  });
});
