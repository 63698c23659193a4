import { describe, expect, it } from 'vitest';
import { parseReadQuery, queryParams, type RawParams, ReadQueryError } from './contract.ts';
import { READS } from './index.ts';

const context = { now: new Date('2026-12-09T15:30:00Z'), timezone: 'Europe/Berlin' };

/** Parameters each read is asked with below, in the forms users type. */
const ASKED: Record<string, RawParams[]> = {
  cost: [{}, { since: 'yesterday', until: '2026-W49', by: 'team,model', limit: '5' }],
  'cost-series': [
    {},
    { since: '30d', by: 'team,model', step: 'hour', series: '3', agent: 'support' },
    { by: '', until: 'yesterday' },
  ],
  tasks: [{}, { since: '2026-12-01', top: '3', outcome: 'failure', agent: 'a' }, { limit: '7' }],
  task: [{ id: 'task-1' }, { id: 'x', limit: '2' }],
  span: [{ trace: '0'.repeat(32), span: 'a'.repeat(16) }],
  cache: [{}, { since: '2026-12-01T09:30', until: 'today', limit: '2' }],
  failures: [{}, { since: '90m', until: '2026-12-09T12:00:00+01:00', limit: '10000' }],
  context: [{}, { since: '2w', until: 'yesterday', limit: '1' }],
  anomalies: [{}, { at: '2026-12-01' }, { since: '3d' }, { until: '2026-12-08', limit: '3' }],
  budgets: [{}, { at: 'yesterday', limit: '20' }],
  alerts: [{}, { limit: '1' }],
  'alert-history': [{}, { since: '30d', until: 'yesterday', limit: '5' }],
  freshness: [{}],
  'weekly-report': [
    {},
    { week: '2026-W49', tz: 'Asia/Tokyo', by: 'team,agent', focus: 'true' },
    { from: 'yesterday', to: 'today', at: '2026-12-09T08:00', format: 'md' },
  ],
};

describe('the read contract', () => {
  it('names every read once, by name and by path', () => {
    expect(new Set(READS.map((r) => r.name)).size).toBe(READS.length);
    expect(new Set(READS.map((r) => r.path)).size).toBe(READS.length);
    expect(Object.keys(ASKED).sort()).toEqual(READS.map((r) => r.name).sort());
  });

  // The HTTP client sends the query it parsed; the server must read the same query back.
  it.each(READS.map((r) => [r.name, r] as const))(
    '%s: a parsed query survives the wire',
    (name, read) => {
      for (const params of ASKED[name]!) {
        const query = parseReadQuery(read, params, context);
        const later = { ...context, now: new Date(context.now.getTime() + 5_000), timezone: 'UTC' };
        expect(parseReadQuery(read, queryParams(query), later)).toEqual(query);
      }
    },
  );

  it('applies the defaults of the schema and the shared time grammar in the configured zone', () => {
    const cost = READS.find((r) => r.name === 'cost')!;
    expect(parseReadQuery(cost, {}, context)).toEqual({
      since: new Date('2026-12-02T15:30:00Z'),
      until: context.now,
      by: ['agent'],
      limit: 100,
    });
    // Berlin is UTC+1 in December: yesterday starts at 23:00 UTC the day before; a week given as
    // the end of a range is included whole.
    expect(parseReadQuery(cost, { since: 'yesterday', until: '2026-W49' }, context)).toMatchObject({
      since: new Date('2026-12-07T23:00:00Z'),
      until: new Date('2026-12-06T23:00:00Z'),
    });
  });

  it('takes `top`, the older name of the tasks limit, when `limit` is not given', () => {
    const tasks = READS.find((r) => r.name === 'tasks')!;
    const limit = (params: RawParams) =>
      (parseReadQuery(tasks, params, context) as { limit: number }).limit;
    expect(limit({})).toBe(100);
    expect(limit({ top: '3' })).toBe(3);
    expect(limit({ top: '3', limit: '4' })).toBe(4);
  });

  it('names the parameter it refuses', () => {
    const cost = READS.find((r) => r.name === 'cost')!;
    const refused = (params: RawParams) => {
      try {
        parseReadQuery(cost, params, context);
      } catch (err) {
        expect(err).toBeInstanceOf(ReadQueryError);
        return (err as ReadQueryError).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ since: 'soon' })).toMatch(/^since: not a time: "soon" \(use 90m, 1d/);
    expect(refused({ by: 'colour' })).toMatch(/^by: unknown dimension "colour"/);
    expect(refused({ limit: '0' })).toMatch(/^limit: /);
    expect(refused({ limit: '10001' })).toMatch(/^limit: /);
  });
});
