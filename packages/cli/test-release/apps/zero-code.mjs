// An unmodified ESM agent: instrumented only by `node --import @tokenwatch/instrumentation/register`.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

const openai = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: 'test' });
const anthropic = new Anthropic({ baseURL: process.env.ANTHROPIC_BASE_URL, apiKey: 'test' });

const chat = await openai.chat.completions.create({
  model: 'gpt-4.1-mini',
  messages: [{ role: 'user', content: 'Summarise the ticket in one line.' }],
});
const message = await anthropic.messages.create({
  model: 'claude-3-5-haiku-latest',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Classify the ticket.' }],
});
console.log(JSON.stringify({ openai: chat.usage, anthropic: message.usage }));
