/**
 * @module
 * The repository files the static tests read: compose, provisioning, the ClickHouse users file,
 * the migrations and the config loader, parsed once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { PACKAGE_DIR } from './runner.ts';

/** The repository root and docker/. */
export const REPO_DIR = join(PACKAGE_DIR, '..');
export const DOCKER_DIR = join(REPO_DIR, 'docker');
/** A repository file's text, by path segments from the root. */
export const read = (...path: string[]) => readFileSync(join(REPO_DIR, ...path), 'utf8');

const HealthcheckSchema = z.object({
  test: z.array(z.string()).min(2),
  interval: z.string(),
  timeout: z.string(),
  retries: z.number().int().positive(),
  start_period: z.string().optional(),
});

const ServiceSchema = z.looseObject({
  image: z.string(),
  build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).default({}),
  volumes: z.array(z.string()).default([]),
  ports: z.array(z.string()).default([]),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).default({}),
  healthcheck: HealthcheckSchema,
});
/** docker/compose.yaml as these tests expect it (long-form depends_on, list ports). */
const ComposeSchema = z.object({
  name: z.string(),
  services: z.record(z.string(), ServiceSchema),
  volumes: z.record(z.string(), z.null()),
});

/** docker/compose.yaml, as text and parsed. */
export const composeText = () => read('docker', 'compose.yaml');
export const compose = () => ComposeSchema.parse(parse(composeText()));

/** A compose volume entry split into source, target and mode. */
export function volume(entry: string): { source: string; target: string; readOnly: boolean } {
  const [source = '', target = '', mode] = entry.split(':');
  return { source, target, readOnly: mode === 'ro' };
}

const DatasourceSchema = z.object({
  apiVersion: z.literal(1),
  datasources: z
    .array(
      z.object({
        name: z.string(),
        uid: z.string(),
        type: z.string(),
        jsonData: z.looseObject({
          host: z.string(),
          port: z.number(),
          protocol: z.string(),
          username: z.string(),
          defaultDatabase: z.string(),
          traces: z.record(z.string(), z.union([z.string(), z.boolean()])),
        }),
        secureJsonData: z.object({ password: z.string() }),
      }),
    )
    .length(1),
});
/** The provisioned datasource. */
export const datasource = () =>
  DatasourceSchema.parse(
    parse(read('dashboards', 'provisioning', 'datasources', 'tokenwatch.yaml')),
  ).datasources[0]!;

const ProviderSchema = z.object({
  apiVersion: z.literal(1),
  providers: z
    .array(
      z.object({
        name: z.string(),
        type: z.literal('file'),
        folder: z.string(),
        disableDeletion: z.boolean(),
        allowUiUpdates: z.boolean(),
        options: z.object({ path: z.string(), foldersFromFilesStructure: z.boolean() }),
      }),
    )
    .length(1),
});
/** The dashboard provider. */
export const provider = () =>
  ProviderSchema.parse(parse(read('dashboards', 'provisioning', 'dashboards', 'tokenwatch.yaml')))
    .providers[0]!;

/** A user of docker/clickhouse/users.d/tokenwatch.xml: its profile and grants (regex-read). */
export function clickhouseUser(name: string) {
  const xml = read('docker', 'clickhouse', 'users.d', 'tokenwatch.xml');
  const users = /<users>([\s\S]*)<\/users>/.exec(xml)?.[1] ?? '';
  const user = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(users)?.[1];
  if (user === undefined) return undefined;
  const profileName = /<profile>(\w+)<\/profile>/.exec(user)?.[1] ?? '';
  const profiles = /<profiles>([\s\S]*)<\/profiles>/.exec(xml)?.[1] ?? '';
  return {
    passwordFromEnv: /<password from_env="(\w+)"\s*\/>/.exec(user)?.[1],
    defaultDatabase: /<default_database>(\w+)<\/default_database>/.exec(user)?.[1],
    grants: [...user.matchAll(/<query>([^<]+)<\/query>/g)].map((m) => m[1]!),
    profile: new RegExp(`<${profileName}>([\\s\\S]*?)</${profileName}>`).exec(profiles)?.[1] ?? '',
  };
}

/** Columns of a table as its CREATE TABLE migration declares them. */
export function migrationColumns(file: string): string[] {
  const ddl = read('packages', 'store', 'migrations', file);
  return [...ddl.matchAll(/^ {4}(\w+) [A-Z]/gm)].map((m) => m[1]!).filter((c) => c !== 'INDEX');
}

/** The TOKENWATCH_* variables the config loader reads (its source, not its internals). */
export function configEnvNames(): Set<string> {
  const source = read('packages', 'config', 'src', 'load.ts');
  return new Set(
    [...source.matchAll(/env(?:String|Int|Bool)\(env, '(TOKENWATCH_\w+)'\)/g)].map((m) => m[1]!),
  );
}
