/**
 * @module
 * Reads through a running `tokenwatch serve` the way `tokenwatch sql` does: the server records its
 * URL and admin token in its data directory (`server.json`, owner-only), and the admin SQL API
 * answers one statement with its values as ClickHouse text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs one read statement on the server; rows of ClickHouse text values. */
export type AdminSql = (query: string) => Promise<(string | null)[][]>;

/** An admin SQL client for the server running on `dataDir`. */
export function adminSqlClient(dataDir: string): AdminSql {
  const { url, token } = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  return async (query) => {
    const response = await fetch(`${url}/api/v1/admin/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    if (response.status !== 200)
      throw new Error(`admin SQL answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { rows: (string | null)[][] }).rows;
  };
}
