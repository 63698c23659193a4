/**
 * @module
 * Turns the detector's results at successive evaluations into anomaly occurrences: an anomaly
 * opens when the detector first flags an entity, stays open while it fires or is held (its long
 * window still up), and closes once it has not been seen for `keepMs`, so a noisy window does
 * not split one runaway into several.
 */
import type { Store } from '@tokenwatch/store';
import {
  type AnomalyOccurrence,
  getEntitySpend,
  loadOpenAnomalies,
  saveAnomalyOccurrences,
  spendKey,
} from './history-repository.ts';
import type { Anomaly } from './types.ts';

/** Options of {@link createAnomalyRecorder}. */
export type AnomalyRecorderOptions = {
  store: Store;
  /** How long an occurrence stays open without being seen (the alert engine's keep time). */
  keepMs: number;
  /** The detector's long window: the spend of an occurrence counts from its start. */
  longWindowMs: number;
};

/** Records detector results into `anomaly_history`. */
export type AnomalyRecorder = {
  /**
   * Records one evaluation of a tenant: `anomalies` as `detectAnomalies` returns them with
   * `includeHeld` (held ones only extend open occurrences). Returns the occurrences written.
   */
  record(tenant: string, now: Date, anomalies: readonly Anomaly[]): Promise<AnomalyOccurrence[]>;
};

const nextVersion = (prev: number, now: Date) => Math.max(prev + 1, now.getTime() * 1000);
const keyOf = (kind: string, value: string) => spendKey(kind, value);

/**
 * Creates a recorder; open occurrences are loaded from the store the first time a tenant is
 * recorded, so a restarted engine extends them rather than opening new ones.
 *
 * @example
 * const recorder = createAnomalyRecorder({ store, keepMs: 90_000, longWindowMs: 120_000 });
 * await recorder.record('acme', now, await detectAnomalies(store, { tenant: 'acme', now, config, includeHeld: true }));
 */
export function createAnomalyRecorder(options: AnomalyRecorderOptions): AnomalyRecorder {
  const { store, keepMs, longWindowMs } = options;
  const openByTenant = new Map<string, Map<string, AnomalyOccurrence>>();

  async function openOf(tenant: string): Promise<Map<string, AnomalyOccurrence>> {
    let open = openByTenant.get(tenant);
    if (!open) {
      const loaded = await loadOpenAnomalies(store, tenant);
      open = new Map(loaded.map((o) => [keyOf(o.entity.kind, o.entity.value), o]));
      openByTenant.set(tenant, open);
    }
    return open;
  }

  return {
    async record(tenant, now, anomalies) {
      const open = await openOf(tenant);
      const next = new Map(open);
      const seen: AnomalyOccurrence[] = [];
      for (const a of anomalies) {
        const key = keyOf(a.entity.kind, a.entity.value);
        const prev = next.get(key);
        if (!prev && !a.firing) continue;
        const peak =
          prev && a.ratio <= prev.peakRatio
            ? prev
            : {
                metric: a.metric,
                peakRatio: a.ratio,
                peakAt: now,
                baseline: a.baseline,
                topModel: a.topModel,
              };
        const occurrence: AnomalyOccurrence = {
          tenant,
          entity: a.entity,
          startedAt: prev?.startedAt ?? now,
          endedAt: now,
          ongoing: true,
          metric: peak.metric,
          peakRatio: peak.peakRatio,
          peakAt: peak.peakAt,
          baseline: peak.baseline,
          costUsd: prev?.costUsd ?? a.current.costUsd,
          calls: prev?.calls ?? a.current.calls,
          tokens: prev?.tokens ?? a.current.tokens,
          topModel: peak.topModel,
          version: nextVersion(prev?.version ?? 0, now),
        };
        next.set(key, occurrence);
        seen.push(occurrence);
      }
      const closed: AnomalyOccurrence[] = [];
      const seenKeys = new Set(seen.map((o) => keyOf(o.entity.kind, o.entity.value)));
      for (const [key, o] of next) {
        if (seenKeys.has(key) || now.getTime() - o.endedAt.getTime() < keepMs) continue;
        closed.push({ ...o, ongoing: false, version: nextVersion(o.version, now) });
        next.delete(key);
      }
      const spend = await getEntitySpend(store, {
        tenant,
        entities: seen.map((o) => ({
          kind: o.entity.kind,
          value: o.entity.value,
          fromMs: o.startedAt.getTime() - longWindowMs,
        })),
        toMs: now.getTime(),
      });
      for (const o of seen) {
        const s = spend.get(keyOf(o.entity.kind, o.entity.value));
        if (!s) continue;
        o.costUsd = s.costUsd;
        o.calls = s.calls;
        o.tokens = s.tokens;
      }
      const written = [...seen, ...closed];
      await saveAnomalyOccurrences(store, written);
      // Only once stored: a failed write leaves the previous state to be written again.
      openByTenant.set(tenant, next);
      return written;
    },
  };
}
