/**
 * TaskStore on PostgreSQL, shared by any number of API and worker nodes. Same semantics as the
 * SQLite adapter (the conformance suite runs against both); what differs is how concurrency is
 * handled, since SQLite serialises every writer and PostgreSQL does not:
 *
 * - claim chooses a workspace round-robin (least recently served first, the `workspace_turns`
 *   table), then picks its row with `FOR UPDATE SKIP LOCKED`, so concurrent claimers never
 *   wait on, or get, the same task;
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
import type { IdempotencyRecord, ListQuery, NewTask, Settlement, TaskStore } from '../task-store.js';
import { LOCK_SPACE, transaction, type PgPool } from './database.js';
import { toTaskRecord, type TaskRow } from '../task-row.js';

/**
 * Fair claims (docs/architecture.md, "Fair scheduling"): the workspaces with PENDING work and
 * room under the cap, least recently served first (no turn yet = first; ties: the oldest waiting
 * task). The recursive CTE is a loose index scan over the pending index: O(workspaces with
 * pending work), not O(pending tasks). Read without locks; each candidate is then tried in its
 * own transaction.
 */
const CANDIDATES = `WITH RECURSIVE ws(id) AS (
    SELECT (SELECT min(workspace_id) FROM tasks WHERE status = 'PENDING')
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM tasks WHERE status = 'PENDING' AND workspace_id > ws.id) FROM ws WHERE ws.id IS NOT NULL)
  SELECT ws.id AS workspace_id FROM ws LEFT JOIN workspace_turns t ON t.workspace_id = ws.id
  WHERE ws.id IS NOT NULL
    AND (SELECT count(*) FROM tasks r WHERE r.workspace_id = ws.id AND r.status = 'RUNNING') < $1
  ORDER BY coalesce(t.last_claim, 0),
    (SELECT min(submit_time) FROM tasks q WHERE q.workspace_id = ws.id AND q.status = 'PENDING'), ws.id
  LIMIT $2`;

/**
 * Under the workspace's lock: if it runs fewer than $2 tasks, its oldest PENDING task that no
 * concurrent claimer holds becomes RUNNING, and the workspace's turn is stamped.
 */
const CLAIM = `WITH room AS (
    SELECT count(*) < $2::int AS ok FROM tasks WHERE workspace_id = $1 AND status = 'RUNNING'),
  picked AS (
    SELECT id FROM tasks WHERE workspace_id = $1 AND status = 'PENDING' AND (SELECT ok FROM room)
    ORDER BY submit_time, id LIMIT 1 FOR UPDATE SKIP LOCKED),
  claimed AS (
    UPDATE tasks t SET status = 'RUNNING', worker_id = $3, lease_until = $4, attempts = t.attempts + 1, scheduled_time = $5
    FROM picked WHERE t.id = picked.id RETURNING t.*),
  turn AS (
    INSERT INTO workspace_turns (workspace_id, last_claim)
    SELECT $1, nextval('workspace_turn_seq') FROM claimed
    ON CONFLICT (workspace_id) DO UPDATE SET last_claim = excluded.last_claim)
  SELECT * FROM claimed`;

/** Candidates read at once, and rounds of reading them while other claimers hold some. */
const CANDIDATES_PER_ROUND = 16;
const CLAIM_ROUNDS = 5;

const INSERT_TASK = `INSERT INTO tasks (id, workspace_id, api_key_id, request_id, model, status, prompt, negative_prompt, n, size, seed,
    prompt_extend, watermark, input_keys, submit_time, results, expires_at)
  VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`;

const insertParams = (task: NewTask): unknown[] => [
  task.id, task.workspaceId, task.apiKeyId, task.requestId, task.model, task.prompt, task.negativePrompt, task.n,
  task.size ? `${task.size.width}*${task.size.height}` : null, task.seed, task.promptExtend, task.watermark,
  JSON.stringify(task.inputKeys), task.submitTime, JSON.stringify(Array.from({ length: task.n }, () => null)), task.expiresAt,
];

const FIND_KEY = `SELECT task_id AS "taskId", fingerprint FROM idempotency_keys WHERE workspace_id = $1 AND key = $2 AND expires_at > $3`;

export function createPostgresTaskStore(pool: PgPool): TaskStore {
  const changed = (result: pg.QueryResult) => result.rowCount === 1;

  async function claimFrom(workspaceId: string, workerId: string, now: number, leaseUntil: number, maxRunning: number, wait: boolean) {
    return transaction(pool, async (client) => {
      // Held until commit, so a later claimer of this workspace sees our RUNNING row in its
      // recount (READ COMMITTED: each statement sees what committed before it began). First
      // tried, not waited for: a workspace another claimer is serving right now is skipped, so
      // claimers do not queue behind one head-of-line workspace while others have work. One
      // lock per transaction, so waiting claimers can never wait on each other in a cycle.
      if (wait) {
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_SPACE.workspace, workspaceId]);
      } else {
        const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok', [
          LOCK_SPACE.workspace,
          workspaceId,
        ]);
        if (!locked.rows[0]!.ok) return 'busy' as const;
      }
      // One statement under the lock (its snapshot is taken after the lock was granted, so it
      // sees every claim committed before): room under the cap, the oldest unlocked PENDING
      // task, the claim, and the workspace's turn.
      const claimed = await client.query<TaskRow>(CLAIM, [workspaceId, maxRunning, workerId, leaseUntil, now]);
      if (claimed.rows.length === 0) return 'none' as const;
      return claimed.rows[0];
    });
  }

  return {
    async insert(task: NewTask) {
      await pool.query(INSERT_TASK, insertParams(task));
    },
    async insertIdempotent(task, claim) {
      return transaction(pool, async (client) => {
        await client.query('DELETE FROM idempotency_keys WHERE workspace_id = $1 AND key = $2 AND expires_at <= $3', [
          task.workspaceId, claim.key, claim.createdAt,
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
      const filters: [string, unknown][] = [['id', query.taskId], ['model', query.model], ['status', query.status]];
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
          now, id, workspaceId,
        ]),
      );
    },
    async claim(workerId, now, leaseUntil, maxRunningPerWorkspace) {
      for (let round = 0; round < CLAIM_ROUNDS; round++) {
        const { rows } = await pool.query<{ workspace_id: string }>(CANDIDATES, [maxRunningPerWorkspace, CANDIDATES_PER_ROUND]);
        const busy: string[] = [];
        for (const { workspace_id } of rows) {
          const outcome = await claimFrom(workspace_id, workerId, now, leaseUntil, maxRunningPerWorkspace, false);
          if (outcome === 'busy') busy.push(workspace_id);
          else if (outcome !== 'none' && outcome) return toTaskRecord(outcome);
        }
        // Nothing claimable, unless some candidates were being claimed by others: wait for the
        // first of those (their claims are short), as they may have left work behind.
        if (busy.length === 0) return undefined;
        const waited = await claimFrom(busy[0]!, workerId, now, leaseUntil, maxRunningPerWorkspace, true);
        if (waited !== 'none' && waited !== 'busy' && waited) return toTaskRecord(waited);
      }
      return undefined;
    },
    async heartbeat(id, workerId, leaseUntil) {
      return changed(
        await pool.query(`UPDATE tasks SET lease_until = $1 WHERE id = $2 AND worker_id = $3 AND status = 'RUNNING'`, [leaseUntil, id, workerId]),
      );
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
          routing.engine, upstream, id, workerId,
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
      const { rows } = await pool.query<{ status: string; c: number }>(
        'SELECT status, count(*)::int AS c FROM tasks WHERE expires_at > $1 GROUP BY status',
        [now],
      );
      return Object.fromEntries(rows.map((r) => [r.status, r.c]));
    },
    async close() {
      // The pool is owned by whoever opened it (./index.ts), which ends it once.
    },
  };
}
