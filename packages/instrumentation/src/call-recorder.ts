/**
 * @module
 * The patched SDK method: one CLIENT span per LLM call, the budget guard before the request is
 * sent, usage and response attributes when the response (or the whole stream) is read. Telemetry
 * failures never reach the application: they are logged and the original method runs as it would.
 * Guard refusals do reach it, on purpose, as rejected calls.
 */
import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_GEN_AI_REQUEST_MODEL } from '@tokenwatch/schema/semconv';
import {
  ATTR_BUDGET_REASON,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  EVENT_CALL_REFUSED,
} from './attributes.ts';
import { type ActiveAttribution, activeAttribution, IN_CALL_KEY } from './attribution.ts';
import { DeferredCall, refusedCall } from './deferred-call.ts';
import { errorType } from './error-type.ts';
import { GuardError } from './guard/errors.ts';
import { type Admission, admitCall } from './guard/preflight.ts';
import type {
  AnyFunction,
  ApiPromiseLike,
  CallAdapter,
  CallOutcome,
  GuardNotice,
  ProviderName,
  RecorderDeps,
  RequestInfo,
} from './internal-types.ts';
import { isRecord, type JsonObject } from './json.ts';
import { guardAttribution } from './process-attribution.ts';
import { requestHash } from './request-hash.ts';
import { serverAttributes, setOutcomeAttributes, startAttributes } from './span-attributes.ts';
import { isStreamLike, observeStream } from './stream-observer.ts';
import { activeTask, type TaskState } from './task.ts';

/** Where the original method runs, when not on the resource it was called on. */
export type CallTarget = (resource: unknown) => unknown;

type PlannedCall = {
  adapter: CallAdapter;
  provider: ProviderName;
  deps: RecorderDeps;
  params: JsonObject;
  info: RequestInfo;
  active: Context;
  task: TaskState | undefined;
  attribution: ActiveAttribution | undefined;
  server: Attributes;
  /** The request hash of `params`, computed once whether the guard or the span asks first. */
  requestHash: () => string | undefined;
};

type End = { outcome?: CallOutcome; error?: unknown; failed: boolean };

/**
 * The request hash of a body, or undefined when it cannot be computed (a cyclic or absurdly deep
 * body, which the SDK then refuses to serialize itself): telemetry never fails the call.
 */
function hashOrUndefined(params: JsonObject, deps: RecorderDeps): string | undefined {
  try {
    return requestHash(params);
  } catch (err) {
    deps.diag.error('unexpected error hashing a request', err);
    return undefined;
  }
}

function isApiPromise(value: unknown): value is ApiPromiseLike {
  const candidate = value as Partial<ApiPromiseLike> | null;
  return (
    typeof candidate?.then === 'function' &&
    typeof candidate._thenUnwrap === 'function' &&
    typeof candidate.asResponse === 'function'
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function addNotices(span: Span, notices: readonly GuardNotice[]): void {
  for (const notice of notices) span.addEvent(notice.name, notice.attributes);
}

/** Ends the call's span and settles its guard hold, once, whichever way the call ends. */
function createFinisher(
  call: PlannedCall,
  span: Span | undefined,
  admission: Admission | undefined,
): (end: End) => void {
  let done = false;
  return (end) => {
    if (done) return;
    done = true;
    const { deps } = call;
    let notices: GuardNotice[] = [];
    try {
      notices =
        admission?.settle({
          usage: end.outcome?.usage,
          responseModel: end.outcome?.responseModel,
          outputText: end.outcome?.outputText,
          failed: end.failed,
        }) ?? [];
    } catch (err) {
      deps.diag.error('unexpected error settling the budget of a call', err);
    }
    if (!span) return;
    try {
      if (end.outcome) setOutcomeAttributes(span, end.outcome, deps.config().captureContent);
      addNotices(span, notices);
      if (end.failed) {
        span.setAttribute(ATTR_ERROR_TYPE, errorType(end.error));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: end.error instanceof Error ? end.error.message : String(end.error),
        });
      }
    } catch (err) {
      deps.diag.error('unexpected error recording the result of a call', err);
    } finally {
      span.end();
    }
  };
}

/** Reads the result once it is parsed: the response object, or a stream to watch to its end. */
function handleData(
  call: PlannedCall,
  info: RequestInfo,
  data: unknown,
  finish: (end: End) => void,
) {
  const { adapter, deps } = call;
  try {
    if (info.stream && isStreamLike(data)) {
      const accumulator = adapter.newStream();
      observeStream(
        data,
        (event) => {
          try {
            accumulator.add(event);
          } catch (err) {
            deps.diag.error('unexpected error reading a stream event', err);
          }
        },
        ({ error }) => {
          let outcome: CallOutcome | undefined;
          try {
            outcome = accumulator.outcome();
          } catch (err) {
            deps.diag.error('unexpected error summarizing a stream', err);
          }
          finish({ outcome, error, failed: error !== undefined });
        },
      );
      return;
    }
    finish({ outcome: adapter.readResult(data), failed: false });
  } catch (err) {
    deps.diag.error('unexpected error getting telemetry from a call result', err);
    finish({ failed: false });
  }
}

function observeResult(
  call: PlannedCall,
  info: RequestInfo,
  result: unknown,
  finish: (end: End) => void,
): unknown {
  if (isApiPromise(result)) {
    // _thenUnwrap keeps the SDK's APIPromise (withResponse, asResponse, the SDK's helpers).
    const wrapped = result._thenUnwrap((data) => {
      handleData(call, info, data, finish);
      return data;
    });
    // Failures are seen on the raw response, which does not parse the body: an application that
    // reads it through .asResponse() still finds it unread.
    wrapped.asResponse().then(undefined, (error: unknown) => finish({ error, failed: true }));
    return wrapped;
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then(
      (data) => {
        handleData(call, info, data, finish);
        return data;
      },
      (error: unknown) => {
        finish({ error, failed: true });
        throw error;
      },
    );
  }
  handleData(call, info, result, finish);
  return result;
}

function start(
  call: PlannedCall,
  admission: Admission | undefined,
  send: (params: JsonObject) => unknown,
): unknown {
  const { adapter, deps } = call;
  let params = call.params;
  let info = call.info;
  try {
    if (admission?.change) {
      params = adapter.rewrite(params, admission.change);
      info = adapter.describe(params);
    }
    if (adapter.prepare) params = adapter.prepare(params, deps.config());
  } catch (err) {
    deps.diag.error('unexpected error adjusting a request', err);
  }
  let span: Span | undefined;
  try {
    // The hash of the body actually sent: a degraded request is a different request. Unchanged
    // params (the usual case) reuse the hash the guard may already have computed.
    const hash = params === call.params ? call.requestHash() : hashOrUndefined(params, deps);
    span = deps.tracer().startSpan(
      `${adapter.operation} ${info.model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: startAttributes(
          {
            operation: adapter.operation,
            provider: call.provider,
            attribution: call.attribution?.spanAttributes,
            server: call.server,
            requestHash: hash,
          },
          info,
        ),
      },
      call.active,
    );
    if (admission) addNotices(span, admission.notices);
    if (deps.config().captureContent) {
      const { system, input } = info.content();
      if (system !== undefined)
        span.setAttribute(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, JSON.stringify(system));
      if (input !== undefined) span.setAttribute(ATTR_GEN_AI_INPUT_MESSAGES, JSON.stringify(input));
    }
  } catch (err) {
    deps.diag.error('unexpected error starting a call span', err);
  }
  const finish = createFinisher(call, span, admission);
  const callContext = (span ? trace.setSpan(call.active, span) : call.active).setValue(
    IN_CALL_KEY,
    true,
  );
  let result: unknown;
  try {
    result = context.with(callContext, send, undefined, params);
  } catch (error) {
    finish({ error, failed: true });
    throw error;
  }
  return observeResult(call, info, result, finish);
}

/** Records a refused call on the active span (the task's, usually). */
function recordRefusal(call: PlannedCall, error: GuardError): void {
  try {
    trace.getSpan(call.active)?.addEvent(EVENT_CALL_REFUSED, {
      [ATTR_BUDGET_REASON]: error.reason,
      [ATTR_GEN_AI_REQUEST_MODEL]: call.info.model,
      'exception.message': error.message,
    });
  } catch (err) {
    call.deps.diag.error('unexpected error recording a refused call', err);
  }
}

/**
 * Wraps an SDK method (`create`) so each call is guarded and recorded. `target` gives the object
 * the original runs on (Anthropic's client with its own spans off); by default, the resource.
 */
export function patchCall(
  adapter: CallAdapter,
  provider: ProviderName,
  original: AnyFunction,
  deps: RecorderDeps,
  target?: CallTarget,
): AnyFunction {
  return function tokenwatchCall(this: unknown, ...args: unknown[]): unknown {
    const active = context.active();
    const params = args[0];
    // Inside another instrumented call (an SDK helper calling create, or a client instrumented
    // both by the module hook and by instrument()), the outer call records it.
    if (!deps.isEnabled() || active.getValue(IN_CALL_KEY) === true || !isRecord(params)) {
      return original.apply(this, args);
    }
    const rest = args.slice(1);
    let hashed: { value: string | undefined } | undefined;
    let call: PlannedCall;
    try {
      call = {
        adapter,
        provider,
        deps,
        params,
        info: adapter.describe(params),
        active,
        task: activeTask(active),
        attribution: activeAttribution(active),
        server: serverAttributes(this),
        requestHash: () => {
          hashed ??= { value: hashOrUndefined(params, deps) };
          return hashed.value;
        },
      };
    } catch (err) {
      deps.diag.error('unexpected error preparing call telemetry', err);
      return original.apply(this, args);
    }
    const send = (finalParams: JsonObject): unknown =>
      original.apply(target ? target(this) : this, [finalParams, ...rest]);

    let admission: Admission | Promise<Admission> | undefined;
    const budget = call.task?.budget;
    if (budget) {
      try {
        admission = admitCall(budget, {
          provider,
          model: call.info.model,
          maxOutputTokens: call.info.maxOutputTokens,
          promptText: call.info.promptText,
          requestKey: call.requestHash,
          // With the process-wide values and the service-name fallback, as the collector stores it.
          attribution: guardAttribution(call.attribution?.attribution),
        });
      } catch (err) {
        if (err instanceof GuardError) {
          recordRefusal(call, err);
          return refusedCall(err);
        }
        deps.diag.error('unexpected error in the budget guard', err);
      }
    }
    if (admission instanceof Promise) {
      const planned = call;
      const box = admission.then(
        (decided) => ({ call: start(planned, decided, send) as ApiPromiseLike }),
        (err: unknown) => {
          if (err instanceof GuardError) {
            recordRefusal(planned, err);
            throw err;
          }
          deps.diag.error('unexpected error in the budget guard', err);
          return { call: start(planned, undefined, send) as ApiPromiseLike };
        },
      );
      return new DeferredCall(box);
    }
    return start(call, admission, send);
  };
}
