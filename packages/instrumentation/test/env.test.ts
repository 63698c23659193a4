import type { DiagLogger } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { readEnvOptions, resolveConfig } from '../src/env.ts';

function recordingDiag(): DiagLogger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return {
    warnings,
    warn: (message: string) => warnings.push(message),
    error: noop,
    info: noop,
    debug: noop,
    verbose: noop,
  };
}

describe('readEnvOptions', () => {
  it('is enabled with nothing else when nothing is set', () => {
    expect(readEnvOptions({}, recordingDiag())).toEqual({ enabled: true });
  });

  it('parses every variable into typed options, booleans as booleans', () => {
    const diag = recordingDiag();
    const options = readEnvOptions(
      {
        TOKENWATCH_ENABLED: 'TRUE',
        TOKENWATCH_CAPTURE_CONTENT: 'true',
        TOKENWATCH_OPENAI_STREAM_USAGE: 'False',
        TOKENWATCH_AGENT: 'triager',
        TOKENWATCH_TEAM: 'support',
        TOKENWATCH_FEATURE: 'triage',
        TOKENWATCH_PROJECT: 'helpdesk',
        TOKENWATCH_BUDGET_MAX_TOKENS: '50000',
        TOKENWATCH_BUDGET_MAX_USD: '0.75',
        TOKENWATCH_BUDGET_ON_EXHAUSTED: 'degrade',
        TOKENWATCH_BUDGET_DEGRADE_MODEL: 'gpt-4o-mini',
        TOKENWATCH_BUDGET_DEGRADE_MAX_TOKENS: '256',
        TOKENWATCH_CONTEXT_TIERS: '0.6, 0.8, 0.95',
        TOKENWATCH_RATE_LIMIT_PER_MINUTE: '30',
        TOKENWATCH_RATE_LIMIT_PER: 'agent',
        TOKENWATCH_CIRCUIT_MAX_FAILURES: '3',
        TOKENWATCH_CIRCUIT_MAX_IDENTICAL: '4',
        TOKENWATCH_CIRCUIT_COOLDOWN_MS: '10000',
        TOKENWATCH_BUDGET_CHECK_URL: 'http://127.0.0.1:4319',
        TOKENWATCH_BUDGET_CHECK_FAIL_OPEN: 'false',
        TOKENWATCH_BUDGET_CHECK_TTL_MS: '2000',
        TOKENWATCH_BUDGET_CHECK_API_KEY: 'tw_key',
      },
      diag,
    );
    expect(diag.warnings).toEqual([]);
    expect(options).toEqual({
      enabled: true,
      captureContent: true,
      includeStreamUsage: false,
      agent: 'triager',
      team: 'support',
      feature: 'triage',
      project: 'helpdesk',
      budget: {
        maxTokens: 50_000,
        maxUsd: 0.75,
        onExhausted: 'degrade',
        degrade: { model: 'gpt-4o-mini', maxOutputTokens: 256 },
        contextTiers: { notice: 0.6, warning: 0.8, critical: 0.95 },
        rateLimit: { maxCallsPerMinute: 30, per: 'agent' },
        circuitBreaker: { maxConsecutiveFailures: 3, maxIdenticalRequests: 4, cooldownMs: 10_000 },
        remoteCheck: {
          url: 'http://127.0.0.1:4319',
          failOpen: false,
          cacheTtlMs: 2000,
          headers: { authorization: 'Bearer tw_key' },
        },
      },
    });
  });

  it('treats empty as unset and reports malformed values instead of throwing', () => {
    const diag = recordingDiag();
    const options = readEnvOptions(
      {
        TOKENWATCH_ENABLED: '',
        TOKENWATCH_CAPTURE_CONTENT: 'yes',
        TOKENWATCH_BUDGET_MAX_TOKENS: '12.5',
        TOKENWATCH_BUDGET_MAX_USD: '-1',
        TOKENWATCH_BUDGET_ON_EXHAUSTED: 'explode',
        TOKENWATCH_CONTEXT_TIERS: '0.7,0.85',
      },
      diag,
    );
    expect(options).toEqual({ enabled: true });
    expect(diag.warnings).toEqual([
      'TOKENWATCH_CAPTURE_CONTENT=yes is not a boolean (true or false); ignored',
      'TOKENWATCH_BUDGET_MAX_TOKENS=12.5 is not a non-negative integer; ignored',
      'TOKENWATCH_BUDGET_MAX_USD=-1 is not a non-negative number; ignored',
      'TOKENWATCH_BUDGET_ON_EXHAUSTED=explode is not one of throw, degrade, warn; ignored',
      'TOKENWATCH_CONTEXT_TIERS=0.7,0.85 is not three fractions (or off); ignored',
    ]);
    expect(readEnvOptions({ TOKENWATCH_ENABLED: 'false' }, diag).enabled).toBe(false);
    expect(readEnvOptions({ TOKENWATCH_CONTEXT_TIERS: 'OFF' }, diag).budget).toEqual({
      contextTiers: false,
    });
  });
});

describe('resolveConfig', () => {
  it('lets the code win over the environment, which fills what the code leaves out', () => {
    const env = { TOKENWATCH_CAPTURE_CONTENT: 'true', TOKENWATCH_OPENAI_STREAM_USAGE: 'true' };
    expect(resolveConfig({ captureContent: false }, env)).toEqual({
      captureContent: false,
      includeStreamUsage: true,
    });
    expect(resolveConfig({}, {})).toEqual({ captureContent: false, includeStreamUsage: false });
  });
});
