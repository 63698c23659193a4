import { PROVIDER_ALIASES, PROVIDER_API_SUFFIX } from './conventions/index.ts';

/** `<alias>.` prefixes, longest first, for provider values with an API suffix. */
const SUFFIXED = [...PROVIDER_ALIASES]
  .sort(([a], [b]) => b.length - a.length)
  .map(([alias, provider]) => [`${alias}.`, provider] as const);

/**
 * Canonical provider name for an emitted one ('' when nothing was emitted): the OTel
 * `gen_ai.provider.name` value the conventions' aliases map it to (conventions/index.ts), else
 * the value lower-cased.
 */
export function canonicalProvider(raw: string | undefined): string {
  if (!raw) return '';
  const lower = raw.trim().toLowerCase();
  const known = PROVIDER_ALIASES.get(lower);
  if (known) return known;
  if (PROVIDER_API_SUFFIX) {
    // `openai.chat`, `openai.responses`, `anthropic.messages`, `google.vertex.chat`…
    for (const [prefix, provider] of SUFFIXED) if (lower.startsWith(prefix)) return provider;
  }
  return lower;
}

/** A provider guessed from the model name when the span names none (raw legacy emitters). */
export function providerFromModel(model: string): string {
  const m = model.toLowerCase();
  if (/^(gpt-|o\d|chatgpt|text-embedding|davinci|babbage|omni-moderation)/.test(m)) return 'openai';
  if (m.startsWith('claude')) return 'anthropic';
  if (m.startsWith('gemini')) return 'gcp.gemini';
  if (/^(mistral|mixtral|codestral|ministral)/.test(m)) return 'mistral_ai';
  if (m.startsWith('grok')) return 'x_ai';
  if (m.startsWith('deepseek')) return 'deepseek';
  return '';
}
