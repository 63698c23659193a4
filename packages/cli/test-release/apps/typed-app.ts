// A TypeScript agent compiled with tsc against the published types.
import {
  type BudgetStatus,
  getBudget,
  instrument,
  register,
  withTask,
} from '@tokenwatch/instrumentation';
import OpenAI from 'openai';

const tokenwatch = register({ serviceName: 'typed-app' });
const openai = instrument(new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: 'test' }));

const remaining: number | undefined = await withTask(
  { name: 'typed-task', agent: 'typed-agent', budget: { maxUsd: 1 } },
  async (task) => {
    const chat = await openai.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'Check the order status.' }],
    });
    task.setOutcome(chat.choices.length > 0 ? 'success' : 'failure');
    const budget: BudgetStatus | undefined = getBudget();
    console.log(JSON.stringify({ openai: chat.usage }));
    return budget?.remaining.usd;
  },
);
await tokenwatch.shutdown();
console.log(JSON.stringify({ remaining }));
