/**
 * @module
 * In-memory spend of one budget's instances, one class per period shape. Keys are
 * `tenant \0 instance`. Amounts are exact decimals (dollars or tokens).
 */
import type { BudgetConfig } from '@tokenwatch/config';
import { Decimal } from '@tokenwatch/pricing';
import { floorMinute, MINUTE_MS } from '../shared/duration.ts';
import { periodAt } from './periods.ts';

/** Spend of an instance at an instant, with the period it belongs to. */
export type TrackReading = { spent: Decimal; start: number; end: number | null };

/** What every track does. */
export type Track = {
  /** Books `amount` at instant `ms` (a call's start). */
  add(key: string, ms: number, amount: Decimal): void;
  /** Spend of the instance in the period holding `nowMs`. */
  read(key: string, nowMs: number): TrackReading;
  /** Forgets instances whose period (or window, or session horizon) is over at `clockMs`. */
  sweep(clockMs: number): void;
  clear(): void;
};

type Span = { start: number; end: number };

/**
 * Calendar periods (daily, weekly, monthly). Each instance keeps only its latest period: a call of
 * a later period starts it from zero (the rollover), a late call of an earlier period is dropped.
 */
export class CalendarTrack implements Track {
  private readonly states = new Map<string, Span & { amount: Decimal }>();
  // Period lookups cost tens of microseconds (Intl); calls arrive in time order, so two slots hit.
  private recent: Span | undefined;
  private other: Span | undefined;

  constructor(
    private readonly budget: BudgetConfig,
    private readonly timezone: string,
  ) {}

  periodOf(ms: number): Span {
    for (const span of [this.recent, this.other]) {
      if (span && ms >= span.start && ms < span.end) return span;
    }
    const plan = periodAt(this.budget, ms, this.timezone, 0);
    const span = { start: plan.start, end: plan.end ?? plan.start };
    if (!this.recent || span.start >= this.recent.start) {
      this.other = this.recent;
      this.recent = span;
    } else {
      this.other = span;
    }
    return span;
  }

  add(key: string, ms: number, amount: Decimal): void {
    const period = this.periodOf(ms);
    const state = this.states.get(key);
    if (!state || period.start > state.start) {
      this.states.set(key, { ...period, amount });
    } else if (period.start === state.start) {
      state.amount = state.amount.plus(amount);
    }
  }

  /** Sets an instance's spend for a period (rebuild). */
  load(key: string, period: Span, amount: Decimal): void {
    this.states.set(key, { ...period, amount });
  }

  read(key: string, nowMs: number): TrackReading {
    const period = this.periodOf(nowMs);
    const state = this.states.get(key);
    const spent = state && state.start === period.start ? state.amount : Decimal.ZERO;
    return { spent, start: period.start, end: period.end };
  }

  sweep(clockMs: number): void {
    for (const [key, state] of this.states) if (state.end <= clockMs) this.states.delete(key);
  }

  clear(): void {
    this.states.clear();
  }
}

type Buckets = { minutes: Map<number, Decimal>; total: Decimal; floor: number };

/**
 * Rolling windows: per-minute buckets plus their running total. The window is the W/1min whole
 * minutes ending with the current one; buckets that leave it are subtracted as time advances, so a
 * reading costs nothing on the hot path. Time must not go backwards across readings.
 */
export class RollingTrack implements Track {
  private readonly states = new Map<string, Buckets>();

  constructor(private readonly windowMs: number) {}

  private windowStart(ms: number): number {
    return floorMinute(ms) + MINUTE_MS - this.windowMs;
  }

  add(key: string, ms: number, amount: Decimal): void {
    const minute = floorMinute(ms);
    let state = this.states.get(key);
    if (!state) {
      state = { minutes: new Map(), total: Decimal.ZERO, floor: Number.NEGATIVE_INFINITY };
      this.states.set(key, state);
    }
    if (minute < state.floor) return;
    state.minutes.set(minute, (state.minutes.get(minute) ?? Decimal.ZERO).plus(amount));
    state.total = state.total.plus(amount);
  }

  private advance(state: Buckets, floor: number): void {
    if (floor <= state.floor) return;
    for (const [minute, amount] of state.minutes) {
      if (minute < floor) {
        state.total = state.total.minus(amount);
        state.minutes.delete(minute);
      }
    }
    state.floor = floor;
  }

  read(key: string, nowMs: number): TrackReading {
    const start = this.windowStart(nowMs);
    const state = this.states.get(key);
    if (state) this.advance(state, start);
    return { spent: state?.total ?? Decimal.ZERO, start, end: floorMinute(nowMs) + MINUTE_MS };
  }

  sweep(clockMs: number): void {
    const start = this.windowStart(clockMs);
    for (const [key, state] of this.states) {
      this.advance(state, start);
      if (state.minutes.size === 0) this.states.delete(key);
    }
  }

  clear(): void {
    this.states.clear();
  }
}

type SessionState = { first: number; last: number; amount: Decimal };

/**
 * Session budgets: one running total per session, from its first call seen. A session idle for the
 * whole horizon is forgotten (the store-side evaluation only looks that far back either).
 */
export class SessionTrack implements Track {
  private readonly states = new Map<string, SessionState>();

  constructor(private readonly horizonMs: number) {}

  add(key: string, ms: number, amount: Decimal): void {
    const minute = floorMinute(ms);
    const state = this.states.get(key);
    if (!state) {
      this.states.set(key, { first: minute, last: minute, amount });
      return;
    }
    state.first = Math.min(state.first, minute);
    state.last = Math.max(state.last, minute);
    state.amount = state.amount.plus(amount);
  }

  /** Sets a session's spend (rebuild). */
  load(key: string, state: SessionState): void {
    this.states.set(key, { ...state });
  }

  read(key: string, nowMs: number): TrackReading {
    const state = this.states.get(key);
    return {
      spent: state?.amount ?? Decimal.ZERO,
      start: state?.first ?? floorMinute(nowMs),
      end: null,
    };
  }

  sweep(clockMs: number): void {
    const oldest = floorMinute(clockMs) + MINUTE_MS - this.horizonMs;
    for (const [key, state] of this.states) if (state.last < oldest) this.states.delete(key);
  }

  clear(): void {
    this.states.clear();
  }
}
