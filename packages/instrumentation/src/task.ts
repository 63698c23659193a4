/**
 * @module
 * Tasks: a unit of agent work with an outcome. {@link withTask} records one task span, attributes
 * everything inside to the task and runs the task's budget guard.
 */
import { randomUUID } from 'node:crypto';
import {
  type Context,
  context,
  createContextKey,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_TOKENWATCH_TASK_ID,
  ATTR_TOKENWATCH_TASK_NAME,
  ATTR_TOKENWATCH_TASK_OUTCOME,
} from '@tokenwatch/schema/semconv';
import { activeAttribution, withAttribution } from './attribution.ts';
import { errorType } from './error-type.ts';
import { effectiveBudget } from './guard/defaults.ts';
import { TaskBudget } from './guard/task-budget.ts';
import type { BudgetStatus, TaskHandle, TaskOptions, TaskOutcome } from './types.ts';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.ts';
import { watchBudgetedTask } from './visibility.ts';

/** A running task as the context holds it. */
export type TaskState = {
  readonly id: string;
  readonly name: string;
  /** The guard of this task, or of the nearest enclosing task that has one. */
  readonly budget: TaskBudget | undefined;
};

const TASK_KEY = createContextKey('@tokenwatch/instrumentation task');

/** The task running in `ctx`. */
export function activeTask(ctx: Context = context.active()): TaskState | undefined {
  return ctx.getValue(TASK_KEY) as TaskState | undefined;
}

/**
 * What the running task used and has left, for an agent to plan with; undefined outside a task
 * or when the task has no budget guard.
 *
 * @example
 * ```ts
 * const left = getBudget()?.remaining.usd;
 * if (left !== undefined && left < 0.05) return summarizeAndStop();
 * ```
 */
export function getBudget(): BudgetStatus | undefined {
  return activeTask()?.budget?.status();
}

/**
 * Runs `fn` as a task. One span (`task <name>`) represents it, with `tokenwatch.task.id` and
 * `tokenwatch.task.outcome`: `success` when `fn` returns or resolves, `failure` when it throws or
 * rejects (the error is rethrown), or what `task.setOutcome()` set (`partial`, `abandoned`).
 * Every span started inside carries the task id, name and attribution, and LLM calls inside are
 * guarded by the task's budget (its `budget` option over the configured defaults). A task inside
 * another task also counts against the outer task's budget.
 *
 * @example
 * ```ts
 * const answer = await withTask(
 *   { name: 'triage-ticket', agent: 'triager', user: ticket.userId, budget: { maxUsd: 0.25 } },
 *   async (task) => {
 *     const result = await runAgent(ticket);
 *     if (!result.complete) task.setOutcome('partial');
 *     return result;
 *   },
 * );
 * ```
 */
export function withTask<T>(options: TaskOptions, fn: (task: TaskHandle) => T): T {
  const parentContext = context.active();
  const id = options.id ?? randomUUID();
  const parentTask = activeTask(parentContext);
  const budgetOptions = effectiveBudget(options.budget);
  const budget = budgetOptions ? new TaskBudget(id, budgetOptions, parentTask?.budget) : undefined;
  const state: TaskState = { id, name: options.name, budget: budget ?? parentTask?.budget };
  // A guard with no instrumented SDK to guard says so when the task ends, instead of enforcing
  // nothing in silence.
  const checkVisibility = budget ? watchBudgetedTask(options.name) : undefined;

  const taskAttributes = {
    [ATTR_TOKENWATCH_TASK_ID]: id,
    [ATTR_TOKENWATCH_TASK_NAME]: options.name,
  };
  const attributed = withAttribution(parentContext, options, taskAttributes);
  const span = trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION).startSpan(
    `task ${options.name}`,
    {
      kind: SpanKind.INTERNAL,
      // The task id at start is the sampler's mark: task spans are always recorded.
      attributes: { ...activeAttribution(attributed)?.spanAttributes, ...taskAttributes },
    },
    attributed,
  );
  const taskContext = trace.setSpan(attributed.setValue(TASK_KEY, state), span);

  let explicit: TaskOutcome | undefined;
  const handle: TaskHandle = {
    id,
    name: options.name,
    setOutcome(outcome) {
      explicit = outcome;
    },
    getBudget: () => state.budget?.status(),
  };

  const end = (outcome: TaskOutcome, err: unknown): void => {
    checkVisibility?.();
    endTask(span, outcome, err);
  };
  let result: T;
  try {
    result = context.with(taskContext, fn, undefined, handle);
  } catch (err) {
    end(explicit ?? 'failure', err);
    throw err;
  }
  if (isPromiseLike(result)) {
    return result.then(
      (value) => {
        end(explicit ?? 'success', undefined);
        return value;
      },
      (err: unknown) => {
        end(explicit ?? 'failure', err);
        throw err;
      },
    ) as T;
  }
  end(explicit ?? 'success', undefined);
  return result;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function endTask(span: Span, outcome: TaskOutcome, err: unknown): void {
  try {
    span.setAttribute(ATTR_TOKENWATCH_TASK_OUTCOME, outcome);
    if (err !== undefined) {
      span.setAttribute(ATTR_ERROR_TYPE, errorType(err));
      if (err instanceof Error) span.recordException(err);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: err instanceof Error ? err.message : String(err),
      });
    } else if (outcome === 'success') {
      span.setStatus({ code: SpanStatusCode.OK });
    }
  } finally {
    span.end();
  }
}
