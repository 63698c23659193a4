import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Written by `serve` into its data directory so other commands can reach it instead of the locked store. */
const ServerInfoSchema = z.object({
  pid: z.number().int().positive(),
  url: z.url(),
  token: z.string().min(32),
  startedAt: z.string(),
});
export type ServerInfo = z.infer<typeof ServerInfoSchema>;

const FILE = 'server.json';

/** Records the running server; readable by the owner only, since it holds the admin token. */
export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  const path = join(dataDir, FILE);
  writeFileSync(path, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Removes the record, but only if it is this process's (a newer server may have replaced it). */
export function removeServerInfo(dataDir: string, pid: number): void {
  const info = readServerInfo(dataDir);
  if (info?.pid === pid) rmSync(join(dataDir, FILE), { force: true });
}

/** The server recorded for a data directory, if its process is still alive. */
export function readServerInfo(dataDir: string): ServerInfo | undefined {
  let raw: string;
  try {
    raw = readFileSync(join(dataDir, FILE), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = ServerInfoSchema.safeParse(safeJson(raw));
  if (!parsed.success || !processAlive(parsed.data.pid)) return undefined;
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
