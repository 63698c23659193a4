import type { QueryResult } from '@tokenwatch/store';
import { describe, expect, it } from 'vitest';
import { renderRecords, renderResult, toObjects } from './output.ts';

const result: QueryResult = {
  columns: [
    { name: 'model', type: 'LowCardinality(String)' },
    { name: 'calls', type: 'UInt64' },
    { name: 'share', type: 'Float64' },
    { name: 'cost', type: 'Decimal(38, 12)' },
    { name: 'port', type: 'Nullable(UInt16)' },
    { name: 'ok', type: 'Bool' },
  ],
  rows: [
    ['gpt-4o', '18446744073709551615', '0.25', '0.3', null, 'true'],
    ['claude "sonnet", 4', '2', 'nan', '12.000000000001', '443', 'false'],
  ],
};

describe('output', () => {
  it('keeps 64-bit integers and decimals exact in JSON, and types the rest', () => {
    expect(toObjects(result)).toEqual([
      {
        model: 'gpt-4o',
        calls: '18446744073709551615',
        share: 0.25,
        cost: '0.3',
        port: null,
        ok: true,
      },
      {
        model: 'claude "sonnet", 4',
        calls: '2',
        share: 'nan',
        cost: '12.000000000001',
        port: 443,
        ok: false,
      },
    ]);
    expect(JSON.parse(renderResult(result, 'json'))).toEqual(toObjects(result));
  });

  it('writes RFC 4180 CSV', () => {
    expect(renderResult(result, 'csv')).toBe(
      'model,calls,share,cost,port,ok\r\n' +
        'gpt-4o,18446744073709551615,0.25,0.3,,true\r\n' +
        '"claude ""sonnet"", 4",2,nan,12.000000000001,443,false\r\n',
    );
  });

  it('aligns tables, numbers to the right', () => {
    const table = renderResult(
      {
        columns: [
          { name: 'agent', type: 'String' },
          { name: 'calls', type: 'UInt64' },
        ],
        rows: [
          ['a', '5'],
          ['planner', '120'],
        ],
      },
      'table',
    );
    expect(table).toBe(
      'agent    calls\n-------  -----\na            5\nplanner    120\n(2 rows)\n',
    );
  });

  it('renders records in every format', () => {
    const records = [{ migration: '0001_x.sql', status: 'applied' }];
    expect(JSON.parse(renderRecords(records, 'json'))).toEqual(records);
    expect(renderRecords(records, 'csv')).toBe('migration,status\r\n0001_x.sql,applied\r\n');
  });
});
