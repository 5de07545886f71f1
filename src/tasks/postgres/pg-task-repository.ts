/**
 * TaskRepository on PostgreSQL, shared by any number of API and worker nodes. Same semantics as
 * the SQLite adapter (the conformance suite runs against both). Reaping and key expiry lock with
 * SKIP LOCKED, so nodes running the reaper at the same moment split the work instead of
 * deadlocking. The per-request statements are prepared on the server
 * (../../db/postgres/prepared.ts). Wake-ups come from triggers (src/db/postgres/migrations/)
 * through LISTEN/NOTIFY (pg-task-events.ts).
 */
import type pg from 'pg';
import type { PgPool } from '../../db/postgres/database.js';
import { prepared, runPrepared, type Prepared } from '../../db/postgres/prepared.js';
import { transaction } from '../../db/postgres/transaction.js';
import type { NewTask } from '../task-record.js';
import type { IdempotencyRecord, ListQuery, TaskRepository, UsageRow } from '../task-repository.js';
import { toTaskRecord, type TaskRow } from '../task-row.js';

const INSERT_TASK = prepared(`INSERT INTO tasks (id, workspace_id, api_key_id, request_id, model, status, prompt, negative_prompt, n, size, seed,
    prompt_extend, watermark, input_keys, submit_time, results, expires_at)
  VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`);

const insertParams = (task: NewTask): unknown[] => [
  task.id,
  task.workspaceId,
  task.apiKeyId,
  task.requestId,
  task.model,
  task.prompt,
  task.negativePrompt,
  task.n,
  task.size ? `${task.size.width}*${task.size.height}` : null,
  task.seed,
  task.promptExtend,
  task.watermark,
  JSON.stringify(task.inputKeys),
  task.submitTime,
  JSON.stringify(Array.from({ length: task.n }, () => null)),
  task.expiresAt,
];

const FIND_KEY = prepared(`SELECT task_id AS "taskId", fingerprint FROM idempotency_keys WHERE workspace_id = $1 AND key = $2 AND expires_at > $3`);
const GET = prepared('SELECT * FROM tasks WHERE id = $1');
const CANCEL = prepared(`UPDATE tasks SET status = 'CANCELED', end_time = $1 WHERE id = $2 AND workspace_id = $3 AND status = 'PENDING'`);
const CANCEL_UPSTREAM_PENDING = prepared(`UPDATE tasks SET status = 'CANCELED', end_time = $1, worker_id = NULL, lease_until = NULL
  WHERE id = $2 AND workspace_id = $3 AND status = 'RUNNING' AND upstream->>'status' = 'PENDING'`);
const CHANGED_SINCE = prepared('SELECT * FROM tasks WHERE workspace_id = $1 AND revision > $2 AND expires_at > $3 ORDER BY revision LIMIT $4');

/** list's texts: one per combination of its optional filters (8), each prepared on first use. */
const LIST_FILTERS = ['id', 'model', 'status'] as const;
const listStatements = new Map<string, { count: Prepared; page: Prepared }>();

function listStatementsFor(columns: readonly string[]): { count: Prepared; page: Prepared } {
  const key = columns.join();
  let statements = listStatements.get(key);
  if (!statements) {
    const where = ['workspace_id = $1', 'submit_time >= $2', 'submit_time <= $3', 'expires_at > $4', ...columns.map((c, i) => `${c} = $${5 + i}`)];
    const clause = where.join(' AND ');
    const n = 4 + columns.length;
    statements = {
      count: prepared(`SELECT count(*)::int AS c FROM tasks WHERE ${clause}`),
      page: prepared(`SELECT * FROM tasks WHERE ${clause} ORDER BY submit_time DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`),
    };
    listStatements.set(key, statements);
  }
  return statements;
}

export function createPostgresTaskRepository(pool: PgPool): TaskRepository {
  const changed = (result: pg.QueryResult) => result.rowCount === 1;

  return {
    async insert(task: NewTask) {
      await runPrepared(pool, INSERT_TASK, insertParams(task));
    },
    async insertIdempotent(task, claim) {
      // Unnamed statements here: in a transaction a stale plan's failure could not be run again.
      return transaction(pool, async (client) => {
        await client.query('DELETE FROM idempotency_keys WHERE workspace_id = $1 AND key = $2 AND expires_at <= $3', [
          task.workspaceId,
          claim.key,
          claim.createdAt,
        ]);
        // A twin inserting the same key makes this wait for its commit, then do nothing: the
        // next statement (a new snapshot under READ COMMITTED) sees the twin's row.
        const claimed = await client.query(
          `INSERT INTO idempotency_keys (workspace_id, key, fingerprint, task_id, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [task.workspaceId, claim.key, claim.fingerprint, task.id, claim.createdAt, claim.expiresAt],
        );
        if (claimed.rowCount === 0) {
          const { rows } = await client.query<IdempotencyRecord>(FIND_KEY.text, [task.workspaceId, claim.key, claim.createdAt]);
          // Gone again only if it expired in between: vanishingly rare, and a retry then succeeds.
          if (!rows[0]) throw new Error('idempotency key vanished while being claimed');
          return { created: false as const, ...rows[0] };
        }
        await client.query(INSERT_TASK.text, insertParams(task));
        return { created: true as const };
      });
    },
    async findIdempotencyKey(workspaceId, key, now) {
      const { rows } = await runPrepared<IdempotencyRecord>(pool, FIND_KEY, [workspaceId, key, now]);
      return rows[0];
    },
    async get(id) {
      const { rows } = await runPrepared<TaskRow>(pool, GET, [id]);
      return rows[0] ? toTaskRecord(rows[0]) : undefined;
    },
    async list(query: ListQuery) {
      const params: unknown[] = [query.workspaceId, query.from, query.to, query.now];
      const values = { id: query.taskId, model: query.model, status: query.status };
      const columns = LIST_FILTERS.filter((column) => values[column] !== undefined);
      for (const column of columns) params.push(values[column]);
      const statements = listStatementsFor(columns);
      const total = await runPrepared<{ c: number }>(pool, statements.count, params);
      const { rows } = await runPrepared<TaskRow>(pool, statements.page, [...params, query.limit, query.offset]);
      return { total: total.rows[0]!.c, items: rows.map(toTaskRecord) };
    },
    async cancel(id, workspaceId, now) {
      return changed(await runPrepared(pool, CANCEL, [now, id, workspaceId]));
    },
    async cancelUpstreamPending(id, workspaceId, now) {
      return changed(await runPrepared(pool, CANCEL_UPSTREAM_PENDING, [now, id, workspaceId]));
    },
    async changedSince(workspaceId, afterRevision, now, limit) {
      const { rows } = await runPrepared<TaskRow>(pool, CHANGED_SINCE, [workspaceId, afterRevision, now, limit]);
      return rows.map(toTaskRecord);
    },
    async deleteExpired(now, limit) {
      const { rows } = await pool.query<TaskRow>(
        `DELETE FROM tasks WHERE id IN (
           SELECT id FROM tasks WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [now, limit],
      );
      return rows.map(toTaskRecord);
    },
    async deleteExpiredIdempotencyKeys(now, limit) {
      const result = await pool.query(
        `DELETE FROM idempotency_keys WHERE (workspace_id, key) IN (
           SELECT workspace_id, key FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [now, limit],
      );
      return result.rowCount ?? 0;
    },
    async countByStatus(now) {
      const { rows } = await pool.query<{ status: string; c: number }>('SELECT status, count(*)::int AS c FROM tasks WHERE expires_at > $1 GROUP BY status', [
        now,
      ]);
      return Object.fromEntries(rows.map((r) => [r.status, r.c]));
    },
    async usage(query) {
      const params: unknown[] = [query.from, query.to];
      if (query.workspaceId !== undefined) params.push(query.workspaceId);
      const { rows } = await pool.query<UsageRow>(
        `SELECT workspace_id AS "workspaceId", to_char(to_timestamp(submit_time / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
           count(*)::int AS tasks, count(*) FILTER (WHERE status = 'SUCCEEDED')::int AS succeeded,
           count(*) FILTER (WHERE status = 'FAILED')::int AS failed, count(*) FILTER (WHERE status = 'CANCELED')::int AS canceled,
           coalesce(sum((SELECT count(*) FROM jsonb_array_elements(results) e WHERE e->>'ok' = 'true')), 0)::int AS images
         FROM tasks WHERE submit_time >= $1 AND submit_time <= $2 ${query.workspaceId === undefined ? '' : 'AND workspace_id = $3'}
         GROUP BY 1, 2 ORDER BY 2, 1`,
        params,
      );
      return rows;
    },
  };
}
