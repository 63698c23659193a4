import { dimensionNames } from '@tokenwatch/schema';
import { describe, expect, it } from 'vitest';
import { AnomaliesSchema, BudgetSchema, SCOPE_FIELDS } from './analytics-schema.ts';
import { ATTRIBUTION_FIELDS, configJsonSchema } from './schema.ts';

describe('config enums from the dimension table', () => {
  it('are the table’s scopable and attributable dimensions', () => {
    expect(SCOPE_FIELDS).toEqual(dimensionNames('scopable'));
    expect(ATTRIBUTION_FIELDS).toEqual(dimensionNames('attributable'));
    expect(SCOPE_FIELDS).toContain('project');
    expect(ATTRIBUTION_FIELDS).toContain('project');
    // Not attribution: the model is the call's, not set by a rule.
    expect(ATTRIBUTION_FIELDS).not.toContain('model');
  });

  it('accept the project in budgets, anomaly entities and attribution rules', () => {
    const budget = BudgetSchema.parse({
      id: 'p',
      scope: { project: 'checkout' },
      per: 'project',
      period: 'daily',
      limit_usd: 5,
    });
    expect(budget).toMatchObject({ scope: { project: 'checkout' }, per: 'project' });
    expect(AnomaliesSchema.parse({ entities: ['project'] }).entities).toEqual(['project']);
    expect(() =>
      BudgetSchema.parse({ id: 'p', per: 'colour', period: 'daily', limit_usd: 5 }),
    ).toThrow();
  });

  it('show the same lists in the JSON Schema editors read', () => {
    const schema = JSON.stringify(configJsonSchema());
    expect(schema).toContain(JSON.stringify(ATTRIBUTION_FIELDS));
    expect(schema).toContain(JSON.stringify(SCOPE_FIELDS));
  });
});
