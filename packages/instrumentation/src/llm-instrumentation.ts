import { InstrumentationBase } from '@opentelemetry/instrumentation';
import { resolveConfig } from './env.ts';
import type { RecorderDeps } from './internal-types.ts';
import type { TokenwatchInstrumentationConfig } from './types.ts';
import { PACKAGE_VERSION } from './version.ts';

/**
 * What the OpenAI and Anthropic instrumentations share: configuration resolved from the
 * environment, the manual patch path, and the dependencies handed to the call recorder.
 */
export abstract class LlmInstrumentation extends InstrumentationBase<TokenwatchInstrumentationConfig> {
  constructor(name: string, config: TokenwatchInstrumentationConfig = {}) {
    super(name, PACKAGE_VERSION, { ...config, ...resolveConfig(config) });
  }

  /**
   * Patches the SDK module (or its client class) loaded without the module hooks: bundled
   * applications, test runners with their own module loader. Idempotent.
   */
  manuallyInstrument(moduleExports: unknown): void {
    this._patch(moduleExports);
  }

  protected abstract _patch<T>(moduleExports: T): T;

  protected _deps(): RecorderDeps {
    return {
      tracer: () => this.tracer,
      config: () => {
        const config = this.getConfig();
        return {
          captureContent: config.captureContent === true,
          includeStreamUsage: config.includeStreamUsage === true,
        };
      },
      isEnabled: () => this.isEnabled(),
      diag: this._diag,
    };
  }
}
