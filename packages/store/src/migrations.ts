import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Store } from './client.ts';
import { renderClusterStatements } from './cluster.ts';
import { MigrationError } from './errors.ts';
import { insertRows, queryRows, runCommand } from './query.ts';
import { TABLES } from './tables.ts';

/** One numbered `.sql` file of the schema. */
export type Migration = {
  version: number;
  name: string;
  file: string;
  sql: string;
  /** sha256 of the file with line endings normalized. */
  checksum: string;
};

/** The folder holding the schema's numbered `.sql` files. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads the numbered migration files of a folder, in order. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = FILE_NAME.exec(file);
      if (!match)
        throw new MigrationError(`Migration file ${file} is not named NNNN_snake_case.sql`);
      const sql = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
      return {
        version: Number(match[1]),
        name: match[2]!,
        file,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new MigrationError(`Two migrations share version ${migrations[i]!.version}`);
    }
  }
  return migrations;
}

/** What a migration run did. */
export type MigrationResult = { applied: string[]; skipped: string[] };

const AppliedRow = z.object({
  version: z.coerce.number(),
  name: z.string(),
  checksum: z.string(),
});

/**
 * Brings the schema up to date: applies every migration not yet recorded, in order, and refuses
 * to run when an applied migration's file has changed since (schema drift would be silent).
 * Running it again is a no-op.
 */
export async function migrate(
  store: Store,
  migrations: Migration[] = loadMigrations(),
): Promise<MigrationResult> {
  const [bootstrap] = migrations;
  if (bootstrap?.version !== 0) {
    throw new MigrationError('Migration 0000 (the migrations table) is missing');
  }
  // The bookkeeping table is created unconditionally (IF NOT EXISTS): the runner needs it to know
  // what else has been applied.
  await applyStatements(store, bootstrap);
  const applied = new Map(
    (
      await queryRows(store, {
        query: `SELECT DISTINCT version, name, checksum FROM ${TABLES.migrations}`,
        schema: AppliedRow,
      })
    ).map((row) => [row.version, row]),
  );
  const known = new Set(migrations.map((m) => m.version));
  for (const version of applied.keys()) {
    if (!known.has(version)) {
      throw new MigrationError(
        `The store has migration ${version} (${applied.get(version)?.name}) applied, which this ` +
          'version of Tokenwatch does not know: it was written by a newer version.',
      );
    }
  }
  const result: MigrationResult = { applied: [], skipped: [] };
  for (const migration of migrations) {
    const done = applied.get(migration.version);
    if (done) {
      if (done.checksum !== migration.checksum) {
        throw new MigrationError(
          `Migration ${migration.file} was edited after it was applied (checksum ${done.checksum.slice(0, 12)} ` +
            `in the store, ${migration.checksum.slice(0, 12)} on disk). Applied migrations are ` +
            'immutable: restore the file and put the change in a new numbered migration.',
        );
      }
      result.skipped.push(migration.file);
      continue;
    }
    if (migration.version !== 0) await applyStatements(store, migration);
    await insertRows(store, TABLES.migrations, [
      { version: migration.version, name: migration.name, checksum: migration.checksum },
    ]);
    result.applied.push(migration.file);
  }
  return result;
}

async function applyStatements(store: Store, migration: Migration): Promise<void> {
  const statements = store.cluster
    ? renderClusterStatements(migration, store.cluster)
    : [migration.sql];
  for (const statement of statements) {
    try {
      await runCommand(store, statement);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new MigrationError(`Migration ${migration.file} failed: ${message}`, { cause: err });
    }
  }
}
