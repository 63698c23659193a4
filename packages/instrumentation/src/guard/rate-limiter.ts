/**
 * @module
 * Calls-per-minute limits over a sliding 60-second window, per task or per agent.
 */
import { RateLimitedError } from './errors.ts';

const WINDOW_MS = 60_000;

/** The start times of the calls of the last minute for one task or agent. */
export class RateWindow {
  readonly #times: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Throws a {@link RateLimitedError} when another call now would exceed `max`. */
  check(max: number, taskId: string, scope: string): void {
    const now = this.now();
    while (this.#times.length > 0 && this.#times[0]! <= now - WINDOW_MS) this.#times.shift();
    if (this.#times.length >= max) {
      const retryAfterMs = this.#times[0]! + WINDOW_MS - now;
      throw new RateLimitedError(taskId, scope, max, retryAfterMs);
    }
  }

  admit(): void {
    this.#times.push(this.now());
  }
}

/** Windows per agent, shared by every task of the process. */
const agentWindows = new Map<string, RateWindow>();

export function agentWindow(agent: string): RateWindow {
  let window = agentWindows.get(agent);
  if (!window) {
    window = new RateWindow();
    agentWindows.set(agent, window);
  }
  return window;
}
