/**
 * TaskQueue on PostgreSQL, shared by any number of worker nodes. Same semantics as the SQLite
 * adapter (the conformance suite runs against both); what differs is how concurrency is
 * handled, since SQLite serialises every writer and PostgreSQL does not:
 *
 * - claim picks the oldest free task of the least recently served workspace
 *   (round-robin, the `workspace_turns` table) with `FOR UPDATE SKIP LOCKED`, so concurrent
 *   claimers never wait on, or get, the same task;
 * - the per-workspace running cap is a count, and two claimers could each count 4 of 5 and both
 *   start a task. The claim therefore takes a per-workspace advisory lock and counts again under
 *   it; only claim raises the count (settle, release and recovery lower it), so serialising
 *   claims per workspace is enough;
 * - recovery touches many rows; it locks with SKIP LOCKED too, so nodes recovering at the same
 *   moment split the work instead of deadlocking.
 *
 * claim is one call of a server-side function (below), recoverExpired one transaction; every
 * other method is one statement, prepared on the server (../../db/postgres/prepared.ts). A claim
 * commits without waiting for the WAL flush (docs/architecture.md, "What a crash can lose"):
 * create and settle stay durable, and a claim undone by a crash is claimed again, its worker's
 * next write finding the lease gone.
 */
import type pg from 'pg';
import type { PgPool } from '../../db/postgres/database.js';
import { prepared, runPrepared } from '../../db/postgres/prepared.js';
import { transaction } from '../../db/postgres/transaction.js';
import { isImageIndex, type Settlement, type TaskQueue } from '../task-queue.js';
import { toTaskRecord, type TaskRow } from '../task-row.js';

/**
 * Fair claims (docs/architecture.md, "Fair scheduling") are one call of the server-side function
 * `claim_task` (migration 0008): the pick, the workspace's lock and the claim run in one
 * statement, so the lock is held for its execution, not across client round trips. The pick
 * and the claim are still two snapshots (the function's statements each take their own), which
 * is what makes the recount under the lock see every claim committed before it.
 */
const CLAIM = prepared('SELECT * FROM claim_task($1, $2, $3, $4)');

const HEARTBEAT = prepared(`UPDATE tasks SET lease_until = $1 WHERE id = $2 AND worker_id = $3 AND status = 'RUNNING'`);
const HEARTBEAT_MANY = prepared(`UPDATE tasks SET lease_until = $1 WHERE id = ANY($2::text[]) AND worker_id = $3 AND status = 'RUNNING' RETURNING id`);
const SET_ROUTING = prepared(`UPDATE tasks SET engine = $1, upstream = $2::jsonb WHERE id = $3 AND worker_id = $4 AND status = 'RUNNING'`);
// jsonb_set would append past the end of the array; SQLite's json_set leaves it alone.
const RECORD_RESULT = prepared(`UPDATE tasks SET results = jsonb_set(results, ARRAY[$1::text], $2::jsonb)
  WHERE id = $3 AND worker_id = $4 AND status = 'RUNNING' AND $1::int < jsonb_array_length(results)`);
// $8/$9: the last image's outcome (Settlement.last), or NULL.
const SETTLE = prepared(`UPDATE tasks SET status = $1, code = $2, message = $3, end_time = $4, expires_at = $5, worker_id = NULL, lease_until = NULL,
    results = CASE WHEN $8::int IS NULL THEN results ELSE jsonb_set(results, ARRAY[$8::text], $9::jsonb) END
  WHERE id = $6 AND worker_id = $7 AND status = 'RUNNING' AND ($8::int IS NULL OR $8::int < jsonb_array_length(results))`);
// A hand-back is not a failed attempt: it does not count towards maxAttempts.
const RELEASE = prepared(`UPDATE tasks SET status = 'PENDING', worker_id = NULL, lease_until = NULL, attempts = greatest(attempts - 1, 0)
  WHERE id = $1 AND worker_id = $2 AND status = 'RUNNING'`);

/** claim_task's error when the workspace filled up while the claim waited for its lock. */
const WORKSPACE_FILLED = 'RT001';

/** A claim whose workspace filled up while it waited for the lock looks again, a few times. */
const CLAIM_TRIES = 5;

export function createPostgresTaskQueue(pool: PgPool): TaskQueue {
  const changed = (result: pg.QueryResult) => result.rowCount === 1;

  return {
    async claim(workerId, now, leaseUntil, maxRunningPerWorkspace) {
      for (let i = 0; i < CLAIM_TRIES; i++) {
        try {
          const { rows } = await runPrepared<TaskRow>(pool, CLAIM, [maxRunningPerWorkspace, workerId, leaseUntil, now]);
          return rows[0] && toTaskRecord(rows[0]);
        } catch (err) {
          if ((err as { code?: string }).code !== WORKSPACE_FILLED) throw err;
        }
      }
      return undefined;
    },
    async heartbeat(id, workerId, leaseUntil) {
      return changed(await runPrepared(pool, HEARTBEAT, [leaseUntil, id, workerId]));
    },
    async heartbeatMany(ids, workerId, leaseUntil) {
      if (ids.length === 0) return [];
      const { rows } = await runPrepared<{ id: string }>(pool, HEARTBEAT_MANY, [leaseUntil, ids, workerId]);
      return rows.map((r) => r.id);
    },
    async setRouting(id, workerId, routing) {
      const upstream = routing.upstream === undefined ? null : JSON.stringify(routing.upstream);
      return changed(await runPrepared(pool, SET_ROUTING, [routing.engine, upstream, id, workerId]));
    },
    async recordResult(id, workerId, index, result) {
      if (!isImageIndex(index)) return false;
      return changed(await runPrepared(pool, RECORD_RESULT, [index, JSON.stringify(result), id, workerId]));
    },
    async settle(id, workerId, s: Settlement) {
      if (s.last && !isImageIndex(s.last.index)) return false;
      const last = s.last ? [s.last.index, JSON.stringify(s.last.result)] : [null, null];
      return changed(await runPrepared(pool, SETTLE, [s.status, s.code ?? null, s.message ?? null, s.endTime, s.expiresAt, id, workerId, ...last]));
    },
    async release(id, workerId) {
      return changed(await runPrepared(pool, RELEASE, [id, workerId]));
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
