export { DEFAULT_TEXT } from './reply-content.ts';
export { type Endpoint, listEndpoints } from './route-table.ts';
export { startFakeLlm } from './server.ts';
export type {
  FakeLlm,
  FakeLlmOptions,
  ModelPrice,
  RecordedRequest,
  ScriptedError,
  ScriptedReply,
  ScriptedToolCall,
  TokenUsage,
} from './types.ts';
export { countTextChars, estimateTokens } from './usage.ts';
export { apiKeyId, type BilledCall } from './usage-ledger.ts';
