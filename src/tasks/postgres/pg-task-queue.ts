/**
 * TaskQueue on PostgreSQL, shared by any number of worker nodes. Same semantics as the SQLite
 * adapter (the conformance suite runs against both); what differs is how concurrency is
 * handled, since SQLite serialises every writer and PostgreSQL does not:
 *
 * - claim picks, in one statement, the oldest free task of the least recently served workspace
 *   (round-robin, the `workspace_turns` table) with `FOR UPDATE SKIP LOCKED`, so concurrent
 *   claimers never wait on, or get, the same task;
 * - the per-workspace running cap is a count, and two claimers could each count 4 of 5 and both
 *   start a task. The claim therefore takes a per-workspace advisory lock and counts again under
 *   it; only claim raises the count (settle, release and recovery lower it), so serialising
 *   claims per workspace is enough;
 * - recovery touches many rows; it locks with SKIP LOCKED too, so nodes recovering at the same
 *   moment split the work instead of deadlocking.
 *
 * The transactions are claimOnce and recoverExpired; every other method is one statement.
 */
import type pg from 'pg';
import type { PgPool } from '../../db/postgres/database.js';
import { LOCK_SPACE, transaction } from '../../db/postgres/transaction.js';
import type { Settlement, TaskQueue } from '../task-queue.js';
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

export function createPostgresTaskQueue(pool: PgPool): TaskQueue {
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
  };
}
