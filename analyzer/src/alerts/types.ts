import type { AlertRuleConfig, AlertRuleKind, AlertSeverity } from '@tokenwatch/config';

/** Placeholder values of one alert instance: what its annotation templates can show. */
export type AlertValues = Record<string, string | number>;

/** A rule's condition holding for one entity at one evaluation. */
export type AlertCandidate = {
  rule: AlertRuleConfig;
  tenant: string;
  /** Identity: the same labels at the next evaluation are the same alert. */
  labels: Record<string, string>;
  values: AlertValues;
  /**
   * The condition to stay firing holds, not the one to fire (hysteresis): keeps an alert that is
   * already firing open, never opens one. A burn-rate anomaly whose long window is still up.
   */
  hold?: boolean;
};

/**
 * Lifecycle of an alert instance; `inactive` marks a pending alert whose condition went away,
 * `resolving` a resolved alert whose resolve notification some receivers still have to get
 * (`notified` then lists only those; retried at each evaluation like a trigger).
 */
export type AlertStateName = 'pending' | 'firing' | 'resolved' | 'resolving' | 'inactive';

/** One alert instance as the engine tracks (and persists) it. */
export type AlertInstance = {
  tenant: string;
  /** sha256 (hex) of the sorted labels. */
  fingerprint: string;
  rule: string;
  kind: AlertRuleKind;
  severity: AlertSeverity;
  state: AlertStateName;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** When the condition was first seen (pending since). */
  activeAt: Date;
  /** When it started firing; equal to `activeAt` until it fires. */
  startsAt: Date;
  /** When it resolved; null while open. */
  endsAt: Date | null;
  /** Receiver name → epoch ms of its last trigger or repeat notification. */
  notified: Record<string, number>;
  /** Store row version (ReplacingMergeTree). */
  version: number;
  /**
   * The last evaluation whose condition held (in memory only: after a restart the engine counts
   * from its first evaluation, so an alert never resolves early).
   */
  lastSeenAt?: Date;
};

/** What a notification says about an alert. */
export type NotificationEvent = 'trigger' | 'repeat' | 'resolve';

/** The outcome of sending one notification to one receiver. */
export type DeliveryResult = {
  tenant: string;
  fingerprint: string;
  rule: string;
  receiver: string;
  receiverKind: string;
  event: NotificationEvent;
  status: 'sent' | 'failed' | 'dry-run';
  attempts: number;
  /** Last HTTP status, 0 when none was received. */
  httpStatus: number;
  /** Why it failed; never contains a secret. */
  error: string;
  /** A failure worth retrying at the next evaluation (429, 5xx, network). */
  retryable: boolean;
  sentAt: Date;
};
