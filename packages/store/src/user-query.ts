import type { Store } from './client.ts';
import { assertStatementAllowed } from './sql-guard.ts';

/** A column of a query result, with its ClickHouse type. */
export type ResultColumn = { name: string; type: string };

/**
 * A query result kept as ClickHouse's text for each value (exact for UInt64 and Decimal);
 * `null` is SQL NULL. Typed conversion is the printer's job.
 */
export type QueryResult = { columns: ResultColumn[]; rows: (string | null)[][] };

const NULL_MARK = 'ᴺᵁᴸᴸ';

/**
 * Runs an ad-hoc statement for `tokenwatch sql`, refusing anything that writes unless
 * `allowWrite`. Statements that return no rows give an empty result.
 */
export async function runUserQuery(
  store: Store,
  sql: string,
  options: { allowWrite?: boolean } = {},
): Promise<QueryResult> {
  const statement = sql.trim().replace(/;\s*$/, '');
  const kind = assertStatementAllowed(statement, options.allowWrite === true);
  if (kind.kind === 'write') {
    await store.client.command({ query: statement });
    return { columns: [], rows: [] };
  }
  const result = await store.client.query({
    query: statement,
    format: 'JSONCompactStringsEachRowWithNamesAndTypes',
  });
  const text = await result.text();
  const lines = text.split('\n').filter((line) => line.length > 0);
  if (lines.length < 2) return { columns: [], rows: [] };
  const names = JSON.parse(lines[0]!) as string[];
  const types = JSON.parse(lines[1]!) as string[];
  const columns = names.map((name, i) => ({ name, type: types[i] ?? 'String' }));
  const rows = lines
    .slice(2)
    .map((line) =>
      (JSON.parse(line) as string[]).map((value, i) =>
        value === NULL_MARK && columns[i]!.type.includes('Nullable') ? null : value,
      ),
    );
  return { columns, rows };
}
