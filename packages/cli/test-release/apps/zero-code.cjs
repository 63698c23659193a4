// An unmodified CommonJS agent: instrumented only by `node --require @tokenwatch/instrumentation/register`.
const OpenAI = require('openai');

async function main() {
  const openai = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: 'test' });
  const chat = await openai.chat.completions.create({
    model: 'gpt-4.1-mini',
    messages: [{ role: 'user', content: 'Draft a short reply to the customer.' }],
  });
  console.log(JSON.stringify({ openai: chat.usage }));
}

main();
