import type { Convention } from './types.ts';

const SPAN_KIND = 'traceloop.span.kind';

/**
 * OpenLLMetry (Traceloop). Its instrumentations write `gen_ai.*` names (read under `otel-genai`
 * and `otel-genai-legacy`); its own are the SDK's workflow spans (`traceloop.span.kind`,
 * `traceloop.workflow.name`), association properties for attribution, and, up to 0.22,
 * `llm.request.type` on call spans.
 */
export const openLlmetry: Convention = {
  name: 'openllmetry',
  emitters: [
    '@traceloop/instrumentation-openai',
    '@traceloop/instrumentation-anthropic',
    '@traceloop/node-server-sdk',
  ],
  spanKinds: [
    // workflow, task, agent, tool, session: never a call; `unknown` says nothing.
    { key: SPAN_KIND, calls: [], others: { except: ['unknown'] } },
    {
      key: 'llm.request.type',
      case: 'lower',
      calls: ['chat', 'completion', 'embedding'],
      others: 'none',
      operations: [
        ['completion', 'text_completion'],
        ['embedding', 'embeddings'],
      ],
    },
  ],
  provider: {
    // Its capitalised vendors (`OpenAI`, `Azure`, `AWS`, `Google`) in gen_ai.system, lower-cased.
    aliases: { azure: 'azure.ai.openai', aws: 'aws.bedrock', google: 'gcp.gemini' },
  },
  taskRoots: [{ key: SPAN_KIND, values: ['workflow', 'agent'] }],
  taskName: ['traceloop.workflow.name'],
  attribution: {
    agent: ['traceloop.association.properties.agent'],
    userId: ['traceloop.association.properties.user_id'],
    team: ['traceloop.association.properties.team'],
    feature: ['traceloop.association.properties.feature'],
    sessionId: ['traceloop.association.properties.session_id'],
  },
  quirks: {
    /**
     * The Anthropic instrumentation passes Anthropic's raw `input_tokens` (uncached) through as
     * `gen_ai.usage.input_tokens`, next to its cache attributes (observed with 0.27): only the
     * scope tells it apart from every other emitter of that name.
     */
    inputExcludesCache: (_attrs, scope) =>
      scope.name.includes('traceloop') && scope.name.includes('anthropic'),
  },
};
