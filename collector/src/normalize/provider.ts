/**
 * Provider names as emitted (OTel current and deprecated values, OpenLLMetry's capitalised vendors,
 * OpenInference's llm.provider / llm.system, the Vercel AI SDK's `<provider>.<api>` strings) mapped
 * to the OTel `gen_ai.provider.name` well-known values.
 */
const ALIASES: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  'az.ai.openai': 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  azure: 'azure.ai.openai',
  'az.ai.inference': 'azure.ai.inference',
  vertex_ai: 'gcp.vertex_ai',
  vertexai: 'gcp.vertex_ai',
  'google.vertex': 'gcp.vertex_ai',
  gemini: 'gcp.gemini',
  google: 'gcp.gemini',
  'google.generative-ai': 'gcp.gemini',
  aws: 'aws.bedrock',
  amazon: 'aws.bedrock',
  bedrock: 'aws.bedrock',
  'amazon-bedrock': 'aws.bedrock',
  xai: 'x_ai',
  mistral: 'mistral_ai',
  mistralai: 'mistral_ai',
  moonshot: 'moonshot_ai',
};

/** Canonical provider name for an emitted one ('' when nothing was emitted). */
export function canonicalProvider(raw: string | undefined): string {
  if (!raw) return '';
  const lower = raw.trim().toLowerCase();
  if (ALIASES[lower]) return ALIASES[lower];
  // Vercel AI SDK: `openai.chat`, `openai.responses`, `anthropic.messages`, `google.vertex.chat`…
  const dotted = Object.keys(ALIASES)
    .filter((alias) => lower.startsWith(`${alias}.`))
    .sort((a, b) => b.length - a.length)[0];
  if (dotted) return ALIASES[dotted]!;
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
