import type { CallParentIndex } from './normalize-batch.ts';

/**
 * Remembers the parents of recent call spans across requests, bounded: the oldest entries go
 * first. A wrapper span is exported after the call span inside it, usually within seconds, so a
 * modest capacity covers it.
 */
export class CallParentCache implements CallParentIndex {
  private readonly capacity: number;
  private readonly keys = new Set<string>();

  constructor(capacity = 200_000) {
    this.capacity = capacity;
  }

  has(traceId: string, spanId: string): boolean {
    return this.keys.has(`${traceId}/${spanId}`);
  }

  add(traceId: string, spanId: string): void {
    const key = `${traceId}/${spanId}`;
    if (this.keys.has(key)) return;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      // Sets iterate in insertion order: the first key is the oldest.
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
  }
}
