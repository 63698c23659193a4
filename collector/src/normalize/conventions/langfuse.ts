import type { Convention } from './types.ts';

/**
 * Langfuse's own `langfuse.*` attributes, from its SDKs or set by apps that send to it too: only
 * the user and session are read, after every other convention's.
 */
export const langfuse: Convention = {
  name: 'langfuse',
  emitters: ['langfuse-sdk'],
  attribution: { userId: ['langfuse.user.id'], sessionId: ['langfuse.session.id'] },
};
