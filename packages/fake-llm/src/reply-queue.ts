import type { ScriptedReply, TokenUsage } from './types.ts';

const USAGE_FIELDS = [
  'uncachedInput',
  'cacheRead',
  'cacheWrite',
  'cacheWrite1h',
  'output',
  'reasoning',
] as const satisfies readonly (keyof TokenUsage)[];

/**
 * Rejects replies that no real API could send, when they are scripted rather than when a request
 * hits them, so the mistake surfaces in the test that made it.
 */
export function assertValidReply(reply: ScriptedReply): void {
  const usage = reply.usage ?? {};
  for (const field of USAGE_FIELDS) {
    const value = usage[field];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0))
      throw new TypeError(`usage.${field} must be a whole number >= 0, got ${value}`);
  }
  if ((usage.cacheWrite1h ?? 0) > (usage.cacheWrite ?? 0))
    throw new TypeError('usage.cacheWrite1h is part of usage.cacheWrite and cannot exceed it');
  if (usage.output !== undefined && (usage.reasoning ?? 0) > usage.output)
    throw new TypeError('usage.reasoning is part of usage.output and cannot exceed it');
  const status = reply.error?.status;
  if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599))
    throw new TypeError(`error.status must be an HTTP error status (400-599), got ${status}`);
  for (const field of ['latencyMs', 'chunkDelayMs'] as const) {
    const value = reply[field];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0))
      throw new TypeError(`${field} must be a number of milliseconds >= 0, got ${value}`);
  }
  if (reply.path !== undefined && !reply.path.startsWith('/'))
    throw new TypeError(`path must start with '/', got ${JSON.stringify(reply.path)}`);
}

/** Scripted replies in the order they were programmed. */
export class ReplyQueue {
  #items: ScriptedReply[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** Appends replies after checking all of them, so a bad one leaves the queue unchanged. */
  enqueue(replies: readonly ScriptedReply[]): void {
    for (const reply of replies) assertValidReply(reply);
    this.#items.push(...replies);
  }

  /** Drops every pending reply. */
  clear(): void {
    this.#items = [];
  }

  /**
   * Removes and returns the oldest reply meant for `path`: one scripted for exactly that path or,
   * when `acceptUnpathed`, one scripted for no path. Replies for other paths keep their place.
   */
  take(path: string, acceptUnpathed: boolean): ScriptedReply | undefined {
    const index = this.#items.findIndex((reply) =>
      reply.path === undefined ? acceptUnpathed : reply.path === path,
    );
    if (index < 0) return undefined;
    return this.#items.splice(index, 1)[0];
  }
}
