/**
 * @module
 * Summarizes V8 `.cpuprofile` files (from `node --cpu-prof`) as the functions with the most
 * self time. The profile covers the process's JavaScript thread only, not the embedded engine's
 * threads, so its shares are of the JavaScript thread's busy time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

type ProfileNode = {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
};
type CpuProfile = {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
};

/** One function's self time. */
export type HotFunction = { fn: string; where: string; selfMs: number; share: number };

/** What the JavaScript thread did: busy time (not idle) and the functions taking most of it. */
export type ProfileSummary = { busyMs: number; idleMs: number; top: HotFunction[] };

/** Self time per function over every profile in `dir`, largest first, as shares of busy time. */
export function summarizeProfiles(dir: string, top = 25): ProfileSummary {
  const selfUs = new Map<string, { fn: string; where: string; us: number }>();
  let idleUs = 0;
  let busyUs = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    // Each sample's time is the delta to the next one.
    for (let i = 0; i < profile.samples.length; i++) {
      const node = byId.get(profile.samples[i]!);
      const us = profile.timeDeltas[i + 1] ?? 0;
      if (!node) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') {
        idleUs += us;
        continue;
      }
      busyUs += us;
      const fn = functionName || '(anonymous)';
      const where = url ? `${basename(url)}:${lineNumber + 1}` : '';
      const key = `${fn}@${where}`;
      const entry = selfUs.get(key) ?? { fn, where, us: 0 };
      entry.us += us;
      selfUs.set(key, entry);
    }
  }
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    top: [...selfUs.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ fn: e.fn, where: e.where, selfMs: e.us / 1000, share: e.us / busyUs })),
  };
}
