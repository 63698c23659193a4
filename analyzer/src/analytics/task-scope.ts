import { TABLES } from '@tokenwatch/store';

/**
 * The task ids of a tenant's calls in a range, for `task_id GLOBAL IN (…)` on the task table (its
 * key is `(tenant, task_id)`, so the list prunes it to the tasks that matter instead of merging
 * every task of the tenant under FINAL). Binds `{tenant}`, `{from}` and `{to}` as the queries
 * around it do. GLOBAL: on a cluster both tables are Distributed.
 */
export const TASKS_IN_RANGE = `SELECT DISTINCT task_id FROM ${TABLES.llmCalls}
    WHERE tenant = {tenant: String} AND task_id != ''
      AND start_time >= {from: DateTime64(3, 'UTC')} AND start_time < {to: DateTime64(3, 'UTC')}`;
