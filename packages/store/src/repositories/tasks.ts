import { type Task, type TaskInput, TaskSchema } from '@tokenwatch/schema';
import type { Store } from '../client.ts';
import { taskToRow } from '../converters.ts';
import { insertRows } from '../query.ts';
import { TABLES } from '../tables.ts';

/**
 * Writes task rows. A task may be written many times as more becomes known; readers take the row
 * with the latest `updatedAt` (`FROM tasks FINAL`), so repeats are harmless.
 */
export async function upsertTasks(store: Store, tasks: readonly TaskInput[]): Promise<number> {
  const latest = new Map<string, Task>();
  for (const input of tasks) {
    const task = TaskSchema.parse(input);
    const key = `${task.tenant}/${task.taskId}`;
    const seen = latest.get(key);
    if (!seen || seen.updatedAt <= task.updatedAt) latest.set(key, task);
  }
  await insertRows(store, TABLES.tasks, [...latest.values()].map(taskToRow));
  return latest.size;
}
