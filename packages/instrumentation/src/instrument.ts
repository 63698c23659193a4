/**
 * @module
 * Explicit instrumentation of one client instance, for applications the module hooks cannot reach
 * (bundled with esbuild/webpack, or loaded before the SDK was registered).
 */
import { diag, trace } from '@opentelemetry/api';
import { routeQuietly } from './anthropic-instrumentation.ts';
import { anthropicMessagesAdapter } from './anthropic-messages.ts';
import { quietMessages } from './anthropic-quiet.ts';
import { patchCall } from './call-recorder.ts';
import { resolveConfig } from './env.ts';
import type { AnyFunction, CallAdapter, ProviderName, RecorderDeps } from './internal-types.ts';
import { isRecord, type JsonObject } from './json.ts';
import { chatCompletionsAdapter } from './openai-chat.ts';
import { embeddingsAdapter } from './openai-embeddings.ts';
import { responsesAdapter } from './openai-responses.ts';
import type { TokenwatchInstrumentationConfig } from './types.ts';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.ts';
import { markInstrumented } from './visibility.ts';

const INSTRUMENTED = Symbol.for('@tokenwatch/instrumentation instrumented');

/** Replaces `resource[name]` by a wrapper, on the instance only; once per instance. */
function patchOwn(
  resource: unknown,
  name: string,
  wrap: (original: AnyFunction) => AnyFunction,
): void {
  if (!isRecord(resource)) return;
  const original = resource[name];
  if (typeof original !== 'function' || (original as { [INSTRUMENTED]?: true })[INSTRUMENTED]) {
    return;
  }
  const wrapped = Object.assign(wrap(original as AnyFunction), { [INSTRUMENTED]: true });
  Object.defineProperty(resource, name, {
    value: wrapped,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

function patchCreate(
  resource: unknown,
  adapter: CallAdapter,
  provider: ProviderName,
  deps: RecorderDeps,
  target?: (resource: unknown) => unknown,
): void {
  patchOwn(resource, 'create', (original) => patchCall(adapter, provider, original, deps, target));
}

function instrumentAnthropic(messages: unknown, deps: RecorderDeps): void {
  // A quiet copy of the client is where the SDK's MessageStream calls create; instrument it too.
  const onCopy = (copy: JsonObject): void =>
    patchCreate(copy.messages, anthropicMessagesAdapter, 'anthropic', deps);
  patchCreate(messages, anthropicMessagesAdapter, 'anthropic', deps, (resource) =>
    quietMessages(resource, onCopy),
  );
  patchOwn(messages, 'stream', (original) => routeQuietly(original, () => true, onCopy));
  patchOwn(messages, 'countTokens', (original) => routeQuietly(original, () => true, onCopy));
}

/**
 * Instruments one OpenAI or Anthropic client instance and returns it: each call gets a span (with
 * the global tracer provider) and the budget guard of its task. Safe to combine with the module
 * hooks: a call is recorded once.
 *
 * @example
 * ```ts
 * const openai = instrument(new OpenAI());
 * const anthropic = instrument(new Anthropic());
 * ```
 */
export function instrument<T extends object>(
  client: T,
  config: TokenwatchInstrumentationConfig = {},
): T {
  const resolved = resolveConfig(config);
  const deps: RecorderDeps = {
    tracer: () => trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION),
    config: () => resolved,
    isEnabled: () => true,
    diag: diag.createComponentLogger({ namespace: PACKAGE_NAME }),
  };
  try {
    const candidate = client as Record<string, unknown>;
    const chat = candidate.chat as Record<string, unknown> | undefined;
    if (isRecord(chat) && isRecord(chat.completions)) {
      patchCreate(chat.completions, chatCompletionsAdapter, 'openai', deps);
      patchCreate(candidate.responses, responsesAdapter, 'openai', deps);
      patchCreate(candidate.embeddings, embeddingsAdapter, 'openai', deps);
      markInstrumented();
    } else if (isRecord(candidate.messages)) {
      instrumentAnthropic(candidate.messages, deps);
      markInstrumented();
    } else {
      deps.diag.warn('instrument() was given neither an OpenAI nor an Anthropic client');
    }
  } catch (err) {
    deps.diag.error('could not instrument the client', err);
  }
  return client;
}
