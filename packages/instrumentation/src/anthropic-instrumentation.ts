/**
 * @module
 * Instrumentation of `@anthropic-ai/sdk` (0.x and 1.x): `messages.create`, streamed or not, and
 * `messages.stream`, which goes through `create`. `messages.countTokens` is not billed and gets no
 * span; it is routed like the others so the 1.x SDK does not report it as a call either.
 */
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { anthropicMessagesAdapter } from './anthropic-messages.ts';
import { quietMessages } from './anthropic-quiet.ts';
import { patchCall } from './call-recorder.ts';
import type { AnyFunction } from './internal-types.ts';
import { isRecord } from './json.ts';
import { LlmInstrumentation } from './llm-instrumentation.ts';
import type { TokenwatchInstrumentationConfig } from './types.ts';
import { markInstrumented } from './visibility.ts';

/** Versions of `@anthropic-ai/sdk` whose classes are patched. */
export const ANTHROPIC_VERSIONS = ['>=0.30.0 <2'];

/** The `Messages` prototype, from the module's exports or the client class. */
export function anthropicMessagesPrototype(
  moduleExports: unknown,
): Record<'create' | 'stream' | 'countTokens', AnyFunction> | undefined {
  const exports = moduleExports as Record<string, unknown> | undefined;
  for (const candidate of [exports?.Anthropic, exports?.default, moduleExports]) {
    if (typeof candidate !== 'function' && !isRecord(candidate)) continue;
    const messages = (candidate as { Messages?: { prototype?: unknown } }).Messages;
    const prototype = messages?.prototype as Record<string, unknown> | undefined;
    if (typeof prototype?.create === 'function') {
      return prototype as Record<'create' | 'stream' | 'countTokens', AnyFunction>;
    }
  }
  return undefined;
}

/** A method that only needs to run where the SDK records no span of its own. */
export function routeQuietly(
  original: AnyFunction,
  isEnabled: () => boolean,
  onCopy?: Parameters<typeof quietMessages>[1],
): AnyFunction {
  return function tokenwatchQuiet(this: unknown, ...args: unknown[]): unknown {
    return original.apply(isEnabled() ? quietMessages(this, onCopy) : this, args);
  };
}

/**
 * Records a span per Anthropic Messages call and applies the task's budget guard. With the 1.x
 * SDK, the SDK's own span for the calls it instruments is turned off, so each call is reported
 * once (see `anthropic-quiet.ts`).
 *
 * @example
 * ```ts
 * new AnthropicInstrumentation().manuallyInstrument(await import('@anthropic-ai/sdk'));
 * ```
 */
export class AnthropicInstrumentation extends LlmInstrumentation {
  constructor(config: TokenwatchInstrumentationConfig = {}) {
    super('@tokenwatch/instrumentation/anthropic', config);
  }

  protected init(): InstrumentationNodeModuleDefinition {
    return new InstrumentationNodeModuleDefinition(
      '@anthropic-ai/sdk',
      ANTHROPIC_VERSIONS,
      (moduleExports) => this._patch(moduleExports),
      (moduleExports) => this._unpatch(moduleExports),
    );
  }

  protected _patch<T>(moduleExports: T): T {
    try {
      const prototype = anthropicMessagesPrototype(moduleExports);
      if (!prototype) return moduleExports;
      const deps = this._deps();
      const isEnabled = () => this.isEnabled();
      this._wrap(prototype, 'create', (original) =>
        patchCall(anthropicMessagesAdapter, 'anthropic', original, deps, (resource) =>
          quietMessages(resource),
        ),
      );
      if (typeof prototype.stream === 'function') {
        this._wrap(prototype, 'stream', (original) => routeQuietly(original, isEnabled));
      }
      if (typeof prototype.countTokens === 'function') {
        this._wrap(prototype, 'countTokens', (original) => routeQuietly(original, isEnabled));
      }
      markInstrumented();
    } catch (err) {
      this._diag.error('could not patch @anthropic-ai/sdk', err);
    }
    return moduleExports;
  }

  private _unpatch(moduleExports: unknown): void {
    const prototype = anthropicMessagesPrototype(moduleExports);
    if (!prototype) return;
    this._unwrap(prototype, 'create');
    if (typeof prototype.stream === 'function') this._unwrap(prototype, 'stream');
    if (typeof prototype.countTokens === 'function') this._unwrap(prototype, 'countTokens');
  }
}
