import { ConfigError } from './errors.ts';

/**
 * Reads a boolean variable: unset or empty means undefined, `true`/`false` (any case) and `1`/`0`
 * are accepted, anything else is an error rather than a guess.
 */
export function envBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const lower = raw.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new ConfigError(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
}

/** Reads a string variable; empty counts as unset. */
export function envString(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/** Reads an integer variable; empty counts as unset, anything but digits is an error. */
export function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = envString(env, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw))
    throw new ConfigError(`${name}: expected a whole number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}
