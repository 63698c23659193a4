import { TASK_OUTCOMES, taskCallsRead, tasksRead } from '@tokenwatch/analyzer';
import { html } from 'hono/html';
import { taskTimeline } from '../charts.ts';
import { linkWith, type PageContext, param, type RenderedPage } from '../context.ts';
import { count, localTime, storeTime, usd } from '../format.ts';
import { filterForm, input, RANGES, select } from '../layout.ts';
import { recordsTable } from '../table.ts';

/** Tasks: the most expensive ones with their outcomes, and cost per successful task by agent. */
export async function tasksPage(ctx: PageContext): Promise<RenderedPage> {
  const since = param(ctx, 'since', '7d');
  const outcome = param(ctx, 'outcome', '');
  const query: Record<string, string> = { since, limit: param(ctx, 'limit', '50') };
  if (outcome) query.outcome = outcome;
  if (ctx.params.agent) query.agent = ctx.params.agent;
  const result = await ctx.reads.read(tasksRead, query);
  const form = filterForm(
    '/tasks',
    html`${select('since', 'Since', RANGES, since)}${select(
      'outcome',
      'Outcome',
      [['', 'any'], ...TASK_OUTCOMES.map((o) => [o, o] as const)],
      outcome,
    )}${input('agent', 'Agent', ctx.params.agent)}`,
  );
  const tasks = result.tasks.map((t) => ({
    // Calls stored without a task id (not through the collector, which gives them their trace's)
    // share the empty id: they have no page of their own.
    task:
      t.taskId === ''
        ? '(calls without a task)'
        : html`<a href="${linkWith('/task', {}, { id: t.taskId })}">${t.name || t.taskId}</a>`,
    agent: t.agent,
    outcome: html`<span class="outcome ${t.outcome}">${t.outcome}</span>`,
    calls: count(t.calls),
    cost: usd(t.costUsd),
    seconds: t.durationSeconds.toFixed(1),
    started: localTime(storeTime(t.start), ctx.timezone),
  }));
  const agents = result.agents.map((a) => ({
    agent: a.agent,
    tasks: count(a.tasks),
    successes: count(a.successes),
    failures: count(a.failures),
    cost: usd(a.totalCostUsd),
    p50: usd(String(a.p50CostUsd)),
    p90: usd(String(a.p90CostUsd)),
    per_successful_task:
      a.costPerSuccessfulTaskUsd === null ? '—' : usd(a.costPerSuccessfulTaskUsd),
  }));
  const body = html`${form}
<section><h2>Most expensive tasks</h2>${recordsTable(tasks, { empty: 'No tasks in the range.', testId: 'tasks' })}
${result.truncated.tasks ? html`<p class="note">Showing ${result.truncated.tasks.shown} of ${result.truncated.tasks.total} tasks.</p>` : ''}</section>
<section><h2>By agent: outcomes and cost per successful task</h2>${recordsTable(agents, { empty: 'No tasks in the range.', testId: 'task-agents' })}</section>`;
  return { title: 'Tasks', body };
}

/** One task: its calls as a timeline with the context each sent, and the calls' table. */
export async function taskPage(ctx: PageContext): Promise<RenderedPage> {
  const id = ctx.params.id ?? '';
  if (id === '') return { title: 'Task', body: html`<p>No task given.</p>`, status: 404 };
  const result = await ctx.reads.read(taskCallsRead, { id, limit: '1000' });
  if (result.calls.length === 0 && result.task === null)
    return { title: 'Task', body: html`<p class="empty">No task ${id} here.</p>`, status: 404 };
  const calls = result.calls.map((c, i) => ({
    '#': i + 1,
    started: localTime(storeTime(c.start), ctx.timezone),
    model: c.model,
    context: count(c.contextTokens),
    input: count(c.inputTokens),
    cache_read: count(c.cacheReadTokens),
    cache_write: count(c.cacheWriteTokens),
    output: count(c.outputTokens),
    cost: c.costUsd === null ? 'unpriced' : usd(c.costUsd),
    ms: Math.round(c.durationMs),
    status: c.errorType ? `${c.status} (${c.errorType})` : c.status,
    span: html`<a href="${linkWith('/span', {}, { trace: c.traceId, span: c.spanId })}"><code>${c.spanId}</code></a>`,
  }));
  const t = result.task;
  const body = html`<p class="totals">${t ? html`${t.name || id} · agent ${t.agent} · outcome <span class="outcome ${t.outcome}" data-testid="task-outcome">${t.outcome}</span> · ` : ''}<span data-testid="task-calls">${result.calls.length}</span> calls · ${usd(result.costUsd, 'task-cost')}</p>
${taskTimeline(
  result.calls.map((c) => ({
    start: storeTime(c.start),
    durationMs: c.durationMs,
    label: `${c.model}, ${c.contextTokens} context tokens`,
    failed: c.status === 'error',
    context: c.contextTokens,
  })),
  ctx.timezone,
)}
${recordsTable(calls, { caption: 'Calls in order', testId: 'task-call-table' })}
<p class="note">Each span id opens the raw span the call came from.</p>`;
  return { title: `Task ${id}`, body };
}
