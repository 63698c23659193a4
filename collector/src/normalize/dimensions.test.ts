import { DIMENSION_TABLE, dimensionsWith } from '@tokenwatch/schema';
import { describe, expect, it } from 'vitest';
import { resolveAttribution } from './attribution.ts';
import { ATTRIBUTION_FIELDS, ATTRIBUTION_KEYS } from './conventions/index.ts';
import { GUARDED_DIMENSIONS } from './limits.ts';

const TRACE = 'a'.repeat(32);

describe('collector lists from the dimension table', () => {
  it('guards the table’s guarded dimensions and reads every attributable one', () => {
    expect(GUARDED_DIMENSIONS.map((d) => d.name)).toEqual(
      DIMENSION_TABLE.filter((d) => d.guarded).map((d) => d.name),
    );
    expect(ATTRIBUTION_FIELDS).toEqual([
      ...dimensionsWith('attributable').map((d) => d.field),
      'taskId',
    ]);
    expect(ATTRIBUTION_KEYS.project).toEqual(['tokenwatch.project']);
  });
});

describe('the project of a span', () => {
  const project = (
    own: Record<string, string>,
    resource: Record<string, string>,
    options: { ancestors?: Record<string, string>[]; rule?: string } = {},
  ) =>
    resolveAttribution(
      own,
      options.ancestors ?? [],
      resource,
      TRACE,
      options.rule ? [{ field: 'project', attribute: options.rule }] : [],
    ).project;

  it('is tokenwatch.project: on the span, an ancestor, then the resource', () => {
    const namespace = { 'service.namespace': 'storefront' };
    expect(project({ 'tokenwatch.project': 'checkout' }, namespace)).toBe('checkout');
    expect(project({}, namespace, { ancestors: [{ 'tokenwatch.project': 'search' }] })).toBe(
      'search',
    );
    expect(project({}, { ...namespace, 'tokenwatch.project': 'catalog' })).toBe('catalog');
  });

  it('falls back to a configured rule, then to the resource’s service.namespace', () => {
    const resource = { 'service.namespace': 'storefront', 'k8s.namespace.name': 'payments' };
    expect(project({}, resource, { rule: 'k8s.namespace.name' })).toBe('payments');
    expect(project({}, resource)).toBe('storefront');
    // The namespace describes the process: a span attribute of that name is not read.
    expect(project({ 'service.namespace': 'spans-say' }, {})).toBe('');
    expect(project({}, {})).toBe('');
  });
});
