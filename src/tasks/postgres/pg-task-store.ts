/**
 * TaskStore on PostgreSQL, shared by any number of API and worker nodes. Same semantics as the
 * SQLite adapter (the conformance suite runs against both); what differs is how concurrency is
 * handled, since SQLite serialises every writer and PostgreSQL does not:
 *
 * - claim picks, in one statement, the oldest free task of the least recently served workspace
 *   (round-robin, the `workspace_turns` table) with `FOR UPDATE SKIP LOCKED`, so concurrent
 *   claimers never wait on, or get, the same task;
 * - the per-workspace running cap is a count, and two claimers could each count 4 of 5 and both
 *   start a task. The claim therefore takes a per-workspace advisory lock and counts again under
 *   it; only claim raises the count (settle, release and recovery lower it), so serialising
 *   claims per workspace is enough;
 * - recovery and reaping touch many rows; they lock with SKIP LOCKED too, so nodes running the
 *   reaper at the same moment split the work instead of deadlocking.
 *
 * Wake-ups come from triggers (migrations.ts) through LISTEN/NOTIFY, see ./index.ts.
 */
import type pg from 'pg';
import type { IdempotencyRecord, ListQuery, NewTask, Settlement, TaskStore, UsageRow } from '../task-store.js';
import { LOCK_SPACE, transaction, type PgPool } from './database.js';
import { toTaskRecord, type TaskRow } from '../task-row.js';

/**
 * Fair claims (docs/architecture.md, "Fair scheduling"), one statement: the workspaces with
 * PENDING work and room under the cap, least recently served first (no turn yet = first; ties:
 * the oldest waiting task), and for them in that order the oldest PENDING task no concurrent
 * claimer holds (`FOR UPDATE SKIP LOCKED`); the first found wins. The recursive CTE is a loose
 * index scan over the pending index, so this costs O(workspaces with pending work), not
 * O(pending tasks); the lateral pick runs per workspace, in order, until one yields a row.
 */
const PICK = `WITH RECURSIVE ws(id) AS (
    SELECT (SELECT min(workspace_id) FROM tasks WHERE status = 'PENDING')
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM tasks WHERE status = 'PENDING' AND workspace_id > ws.id) FROM ws WHERE ws.id IS NOT NULL),
  ranked AS MATERIALIZED (
    SELECT ws.id, coalesce(t.last_claim, 0) AS turn,
      (SELECT min(submit_time) FROM tasks q WHERE q.workspace_id = ws.id AND q.status = 'PENDING') AS first_submit
    FROM ws LEFT JOIN workspace_turns t ON t.workspace_id = ws.id
    WHERE ws.id IS NOT NULL
      AND (SELECT count(*) FROM tasks r WHERE r.workspace_id = ws.id AND r.status = 'RUNNING') < $1
    ORDER BY turn, first_submit, ws.id)
  SELECT p.id, p.workspace_id FROM ranked
  CROSS JOIN LATERAL (
    SELECT id, workspace_id FROM tasks
    WHERE workspace_id = ranked.id AND status = 'PENDING'
    ORDER BY submit_time, id LIMIT 1 FOR UPDATE SKIP LOCKED) p
  LIMIT 1`;

/**
 * Under the workspace's lock: the picked task becomes RUNNING if the workspace runs fewer
 * than $2 tasks, and the workspace's turn is stamped.
 */
const CLAIM = `WITH room AS (
    SELECT count(*) < $2::int AS ok FROM tasks WHERE workspace_id = $1 AND status = 'RUNNING'),
  claimed AS (
    UPDATE tasks SET status = 'RUNNING', worker_id = $4, lease_until = $5, attempts = attempts + 1, scheduled_time = $6
    WHERE id = $3 AND status = 'PENDING' AND (SELECT ok FROM room) RETURNING *),
  turn AS (
    INSERT INTO workspace_turns (workspace_id, last_claim)
    SELECT $1, nextval('workspace_turn_seq') FROM claimed
    ON CONFLICT (workspace_id) DO UPDATE SET last_claim = excluded.last_claim)
  SELECT * FROM claimed`;

/** A claim whose workspace filled up while it waited for the lock looks again, a few times. */
const CLAIM_TRIES = 5;

const INSERT_TASK = `INSERT INTO tasks (id, workspace_id, api_key_id, request_id, model, status, prompt, negative_prompt, n, size, seed,
    prompt_extend, watermark, input_keys, submit_time, results, expires_at)
  VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`;

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

const FIND_KEY = `SELECT task_id AS "taskId", fingerprint FROM idempotency_keys WHERE workspace_id = $1 AND key = $2 AND expires_at > $3`;

export function createPostgresTaskStore(pool: PgPool): TaskStore {
  const changed = (result: pg.QueryResult) => result.rowCount === 1;

  async function claimOnce(workerId: string, now: number, leaseUntil: number, maxRunning: number) {
    return transaction(pool, async (client) => {
      const picked = await client.query<{ id: string; workspace_id: string }>(PICK, [maxRunning]);
      const candidate = picked.rows[0];
      if (!candidate) return { row: undefined, retry: false };
      // Held until commit; a claimer of the same workspace waiting here sees our RUNNING row
      // in its recount (READ COMMITTED: each statement sees what committed before it began).
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_SPACE.workspace, candidate.workspace_id]);
      const claimed = await client.query<TaskRow>(CLAIM, [candidate.workspace_id, maxRunning, candidate.id, workerId, leaseUntil, now]);
      return { row: claimed.rows[0], retry: claimed.rows.length === 0 };
    });
  }

  return {
    async insert(task: NewTask) {
      await pool.query(INSERT_TASK, insertParams(task));
    },
    async insertIdempotent(task, claim) {
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
          const { rows } = await client.query<IdempotencyRecord>(FIND_KEY, [task.workspaceId, claim.key, claim.createdAt]);
          // Gone again only if it expired in between: vanishingly rare, and a retry then succeeds.
          if (!rows[0]) throw new Error('idempotency key vanished while being claimed');
          return { created: false as const, ...rows[0] };
        }
        await client.query(INSERT_TASK, insertParams(task));
        return { created: true as const };
      });
    },
    async findIdempotencyKey(workspaceId, key, now) {
      const { rows } = await pool.query<IdempotencyRecord>(FIND_KEY, [workspaceId, key, now]);
      return rows[0];
    },
    async deleteExpiredIdempotencyKeys(now, limit) {
      const result = await pool.query(
        `DELETE FROM idempotency_keys WHERE (workspace_id, key) IN (
           SELECT workspace_id, key FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [now, limit],
      );
      return result.rowCount ?? 0;
    },
    async changedSince(workspaceId, afterRevision, now, limit) {
      const { rows } = await pool.query<TaskRow>(
        'SELECT * FROM tasks WHERE workspace_id = $1 AND revision > $2 AND expires_at > $3 ORDER BY revision LIMIT $4',
        [workspaceId, afterRevision, now, limit],
      );
      return rows.map(toTaskRecord);
    },
    async get(id) {
      const { rows } = await pool.query<TaskRow>('SELECT * FROM tasks WHERE id = $1', [id]);
      return rows[0] ? toTaskRecord(rows[0]) : undefined;
    },
    async list(query: ListQuery) {
      const params: unknown[] = [query.workspaceId, query.from, query.to, query.now];
      const where = ['workspace_id = $1', 'submit_time >= $2', 'submit_time <= $3', 'expires_at > $4'];
      const filters: [string, unknown][] = [
        ['id', query.taskId],
        ['model', query.model],
        ['status', query.status],
      ];
      for (const [column, value] of filters) {
        if (value === undefined) continue;
        params.push(value);
        where.push(`${column} = $${params.length}`);
      }
      const clause = where.join(' AND ');
      const total = await pool.query<{ c: number }>(`SELECT count(*)::int AS c FROM tasks WHERE ${clause}`, params);
      const { rows } = await pool.query<TaskRow>(
        `SELECT * FROM tasks WHERE ${clause} ORDER BY submit_time DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, query.limit, query.offset],
      );
      return { total: total.rows[0]!.c, items: rows.map(toTaskRecord) };
    },
    async cancel(id, workspaceId, now) {
      return changed(
        await pool.query(`UPDATE tasks SET status = 'CANCELED', end_time = $1 WHERE id = $2 AND workspace_id = $3 AND status = 'PENDING'`, [
          now,
          id,
          workspaceId,
        ]),
      );
    },
    async claim(workerId, now, leaseUntil, maxRunningPerWorkspace) {
      for (let i = 0; i < CLAIM_TRIES; i++) {
        const { row, retry } = await claimOnce(workerId, now, leaseUntil, maxRunningPerWorkspace);
        if (row) return toTaskRecord(row);
        if (!retry) return undefined;
      }
      return undefined;
    },
    async heartbeat(id, workerId, leaseUntil) {
      return changed(await pool.query(`UPDATE tasks SET lease_until = $1 WHERE id = $2 AND worker_id = $3 AND status = 'RUNNING'`, [leaseUntil, id, workerId]));
    },
    async heartbeatMany(ids, workerId, leaseUntil) {
      if (ids.length === 0) return [];
      const { rows } = await pool.query<{ id: string }>(
        `UPDATE tasks SET lease_until = $1 WHERE id = ANY($2::text[]) AND worker_id = $3 AND status = 'RUNNING' RETURNING id`,
        [leaseUntil, ids, workerId],
      );
      return rows.map((r) => r.id);
    },
    async setRouting(id, workerId, routing) {
      const upstream = routing.upstream === undefined ? null : JSON.stringify(routing.upstream);
      return changed(
        await pool.query(`UPDATE tasks SET engine = $1, upstream = $2::jsonb WHERE id = $3 AND worker_id = $4 AND status = 'RUNNING'`, [
          routing.engine,
          upstream,
          id,
          workerId,
        ]),
      );
    },
    async cancelUpstreamPending(id, workspaceId, now) {
      return changed(
        await pool.query(
          `UPDATE tasks SET status = 'CANCELED', end_time = $1, worker_id = NULL, lease_until = NULL
           WHERE id = $2 AND workspace_id = $3 AND status = 'RUNNING' AND upstream->>'status' = 'PENDING'`,
          [now, id, workspaceId],
        ),
      );
    },
    async recordResult(id, workerId, index, result) {
      if (!Number.isInteger(index) || index < 0) return false;
      // jsonb_set would append past the end of the array; SQLite's json_set leaves it alone.
      return changed(
        await pool.query(
          `UPDATE tasks SET results = jsonb_set(results, ARRAY[$1::text], $2::jsonb)
           WHERE id = $3 AND worker_id = $4 AND status = 'RUNNING' AND $1::int < jsonb_array_length(results)`,
          [index, JSON.stringify(result), id, workerId],
        ),
      );
    },
    async settle(id, workerId, s: Settlement) {
      return changed(
        await pool.query(
          `UPDATE tasks SET status = $1, code = $2, message = $3, end_time = $4, expires_at = $5, worker_id = NULL, lease_until = NULL
           WHERE id = $6 AND worker_id = $7 AND status = 'RUNNING'`,
          [s.status, s.code ?? null, s.message ?? null, s.endTime, s.expiresAt, id, workerId],
        ),
      );
    },
    async release(id, workerId) {
      // A hand-back is not a failed attempt: it does not count towards maxAttempts.
      return changed(
        await pool.query(
          `UPDATE tasks SET status = 'PENDING', worker_id = NULL, lease_until = NULL, attempts = greatest(attempts - 1, 0)
           WHERE id = $1 AND worker_id = $2 AND status = 'RUNNING'`,
          [id, workerId],
        ),
      );
    },
    async recoverExpired(now, maxAttempts, failure) {
      return transaction(pool, async (client) => {
        // SKIP LOCKED: a row another node is recovering (or a worker is heartbeating) is left
        // for the next pass rather than waited on.
        const expired = `SELECT id FROM tasks WHERE status = 'RUNNING' AND lease_until < $1`;
        const failed = await client.query<{ id: string }>(
          `UPDATE tasks SET status = 'FAILED', code = $2, message = $3, end_time = $1, expires_at = $4, worker_id = NULL, lease_until = NULL
           WHERE id IN (${expired} AND attempts >= $5 FOR UPDATE SKIP LOCKED) RETURNING id`,
          [now, failure.code, failure.message, failure.expiresAt, maxAttempts],
        );
        const requeued = await client.query<{ id: string }>(
          `UPDATE tasks SET status = 'PENDING', worker_id = NULL, lease_until = NULL
           WHERE id IN (${expired} FOR UPDATE SKIP LOCKED) RETURNING id`,
          [now],
        );
        return { failed: failed.rows.map((r) => r.id), requeued: requeued.rows.map((r) => r.id) };
      });
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
    async close() {
      // The pool is owned by whoever opened it (./index.ts), which ends it once.
    },
  };
}
