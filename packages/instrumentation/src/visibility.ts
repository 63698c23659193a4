/**
 * @module
 * Whether LLM calls can be seen at all: an SDK module patched (by the module hooks, the pre-load
 * check or `manuallyInstrument`) or a client passed through `instrument()`. A budgeted task in a
 * process where neither happened cannot count or refuse anything, and says so instead of
 * pretending to enforce.
 */
import { FIX_ADVICE, warnOnce } from './warn.ts';

let instrumented = false;

/** Records that calls of some SDK (module or client) now go through the call recorder. */
export function markInstrumented(): void {
  instrumented = true;
}

/** True once an SDK module or client has been instrumented in this process. */
export function isInstrumented(): boolean {
  return instrumented;
}

/**
 * Called when a task with a budget guard starts; returns the check to run when it ends. The task
 * warns (once per process) only if nothing was instrumented when it started and still nothing
 * when it ended: an SDK imported inside the task, after `register()`, is patched on import and
 * its calls are guarded, so checking at the start alone would warn about a working setup.
 */
export function watchBudgetedTask(name: string): (() => void) | undefined {
  if (instrumented) return undefined;
  return () => {
    if (instrumented) return;
    warnOnce(
      'blind-budget',
      `task "${name}" has a budget, but no OpenAI or Anthropic SDK was instrumented while it ran, ` +
        `so its calls were neither counted nor refused; call register() before the SDK is imported, ${FIX_ADVICE}`,
    );
  };
}
