// In-code ESM registration: register() first, then the SDK through a dynamic import, and a task
// whose budget must refuse the second call before it is sent.
import { register, withTask } from '@tokenwatch/instrumentation';

const tokenwatch = register({ serviceName: 'in-code-app' });
const { default: OpenAI } = await import('openai');

let sent = 0;
const openai = new OpenAI({
  baseURL: process.env.OPENAI_BASE_URL,
  apiKey: 'test',
  fetch: (url, init) => {
    sent += 1;
    return fetch(url, init);
  },
});
const request = {
  model: 'gpt-4.1-mini',
  max_tokens: 50,
  messages: [{ role: 'user', content: 'Plan the next step.' }],
};

const result = { usage: undefined, refused: undefined, sentBeforeRefusal: undefined };
try {
  await withTask({ name: 'budgeted-plan', budget: { maxUsd: 0.00009 } }, async () => {
    const first = await openai.chat.completions.create(request);
    result.usage = first.usage;
    result.sentBeforeRefusal = sent;
    await openai.chat.completions.create(request);
  });
} catch (err) {
  result.refused = err.name;
}
result.sent = sent;
await tokenwatch.shutdown();
console.log(JSON.stringify(result));
