/**
 * @module
 * Instrumentation of the `openai` package (5.x and 6.x): Chat Completions, the Responses API and
 * embeddings, patched on the classes' prototypes through the module hooks or
 * {@link OpenAIInstrumentation.manuallyInstrument}.
 */
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { patchCall } from './call-recorder.ts';
import type { AnyFunction, CallAdapter } from './internal-types.ts';
import { isRecord } from './json.ts';
import { LlmInstrumentation } from './llm-instrumentation.ts';
import { chatCompletionsAdapter } from './openai-chat.ts';
import { embeddingsAdapter } from './openai-embeddings.ts';
import { responsesAdapter } from './openai-responses.ts';
import type { TokenwatchInstrumentationConfig } from './types.ts';
import { markInstrumented } from './visibility.ts';

/** Versions of `openai` whose classes are patched. */
export const OPENAI_VERSIONS = ['>=5.0.0 <7'];

type Prototype = { create: AnyFunction };

/** The prototypes to patch and their adapters, from the module's exports or the client class. */
export function openaiTargets(moduleExports: unknown): [Prototype, CallAdapter][] {
  const exports = moduleExports as Record<string, unknown> | undefined;
  const candidates = [exports?.OpenAI, exports?.default, moduleExports];
  const client = candidates.find(
    (candidate): candidate is Record<string, unknown> =>
      (typeof candidate === 'function' || isRecord(candidate)) &&
      typeof (candidate as { Chat?: unknown }).Chat === 'function',
  );
  if (!client) return [];
  const chat = client.Chat as { Completions?: { prototype?: unknown } };
  const pairs: [unknown, CallAdapter][] = [
    [chat.Completions?.prototype, chatCompletionsAdapter],
    [(client.Responses as { prototype?: unknown } | undefined)?.prototype, responsesAdapter],
    [(client.Embeddings as { prototype?: unknown } | undefined)?.prototype, embeddingsAdapter],
  ];
  return pairs.filter((pair): pair is [Prototype, CallAdapter] => {
    const prototype = pair[0] as { create?: unknown } | undefined;
    return typeof prototype?.create === 'function';
  });
}

/**
 * Records a span per OpenAI call and applies the task's budget guard.
 *
 * @example
 * ```ts
 * const instrumentation = new OpenAIInstrumentation({ captureContent: false });
 * // With a module hook (NodeSDK, registerInstrumentations), or explicitly:
 * instrumentation.manuallyInstrument(await import('openai'));
 * ```
 */
export class OpenAIInstrumentation extends LlmInstrumentation {
  constructor(config: TokenwatchInstrumentationConfig = {}) {
    super('@tokenwatch/instrumentation/openai', config);
  }

  protected init(): InstrumentationNodeModuleDefinition {
    return new InstrumentationNodeModuleDefinition(
      'openai',
      OPENAI_VERSIONS,
      (moduleExports) => this._patch(moduleExports),
      (moduleExports) => this._unpatch(moduleExports),
    );
  }

  protected _patch<T>(moduleExports: T): T {
    try {
      const deps = this._deps();
      const targets = openaiTargets(moduleExports);
      for (const [prototype, adapter] of targets) {
        // _wrap unwraps a method it wrapped before, so patching twice leaves one wrapper.
        this._wrap(prototype, 'create', (original) => patchCall(adapter, 'openai', original, deps));
      }
      if (targets.length > 0) markInstrumented();
    } catch (err) {
      this._diag.error('could not patch openai', err);
    }
    return moduleExports;
  }

  private _unpatch(moduleExports: unknown): void {
    for (const [prototype] of openaiTargets(moduleExports)) this._unwrap(prototype, 'create');
  }
}
