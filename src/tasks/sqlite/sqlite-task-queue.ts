/**
 * TaskQueue on embedded SQLite: one process serves the file, so concurrency is SQLite's single
 * writer. Multi-statement steps (claim, heartbeatMany, recoverExpired) are IMMEDIATE
 * transactions, defined together below. Wake-ups are delivered in-process (`events`). The writes
 * of every task's run (claim, routing, results, settlement) go through the database's write
 * batch (group commit, db/sqlite/write-batch.ts): claim's transaction is then a savepoint of it.
 */
import type { SqliteDatabase } from '../../db/sqlite/database.js';
import { writeBatchFor } from '../../db/sqlite/write-batch.js';
import type { TaskEventHub } from '../task-events.js';
import { isImageIndex, type RecoveryReport, type Settlement, type TaskQueue } from '../task-queue.js';
import { toTaskRecord, type TaskRow } from '../task-row.js';

export function createSqliteTaskQueue(db: SqliteDatabase, events: TaskEventHub): TaskQueue {
  const get = db.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE id = ?');
  // Fair claims (docs/architecture.md, "Fair scheduling"): among workspaces with PENDING work
  // that run fewer than `maxRunning` tasks, the one served least recently (no turn yet = first;
  // ties: the oldest waiting task), then that workspace's oldest PENDING task. The recursive
  // CTE walks the distinct workspaces of the pending index (a loose index scan), so a claim
  // costs O(workspaces with pending work), not O(pending tasks).
  const nextWorkspace = db.prepare<[number], { workspace_id: string }>(
    `WITH RECURSIVE ws(id) AS (
       SELECT (SELECT min(workspace_id) FROM tasks WHERE status = 'PENDING')
       UNION ALL
       SELECT (SELECT min(workspace_id) FROM tasks WHERE status = 'PENDING' AND workspace_id > ws.id) FROM ws WHERE ws.id IS NOT NULL)
     SELECT ws.id AS workspace_id FROM ws LEFT JOIN workspace_turns t ON t.workspace_id = ws.id
     WHERE ws.id IS NOT NULL
       AND (SELECT count(*) FROM tasks r WHERE r.workspace_id = ws.id AND r.status = 'RUNNING') < ?
     ORDER BY coalesce(t.last_claim, 0),
       (SELECT min(submit_time) FROM tasks q WHERE q.workspace_id = ws.id AND q.status = 'PENDING'), ws.id
     LIMIT 1`,
  );
  const claim = db.prepare<[string, number, number, string], TaskRow>(
    `UPDATE tasks SET status = 'RUNNING', worker_id = ?, lease_until = ?, attempts = attempts + 1,
       scheduled_time = ?
     WHERE id = (
       SELECT id FROM tasks WHERE workspace_id = ? AND status = 'PENDING' ORDER BY submit_time, id LIMIT 1)
     RETURNING *`,
  );
  const takeTurn = db.prepare<[string]>(
    `INSERT INTO workspace_turns (workspace_id, last_claim)
       VALUES (?, (SELECT coalesce(max(last_claim), 0) + 1 FROM workspace_turns))
     ON CONFLICT (workspace_id) DO UPDATE SET last_claim = excluded.last_claim`,
  );
  const heartbeat = db.prepare(`UPDATE tasks SET lease_until = ? WHERE id = ? AND worker_id = ? AND status = 'RUNNING'`);
  const setRouting = db.prepare(`UPDATE tasks SET engine = ?, upstream = ? WHERE id = ? AND worker_id = ? AND status = 'RUNNING'`);
  // In range only: json_set appends at the index one past the end.
  const recordResult = db.prepare(
    `UPDATE tasks SET results = json_set(results, ?, json(?))
     WHERE id = ? AND worker_id = ? AND status = 'RUNNING' AND ? < json_array_length(results)`,
  );
  // @path/@result: the last image's outcome (Settlement.last), or NULL.
  const settle = db.prepare(
    `UPDATE tasks SET status = @status, code = @code, message = @message, end_time = @endTime, expires_at = @expiresAt,
       worker_id = NULL, lease_until = NULL,
       results = CASE WHEN @path IS NULL THEN results ELSE json_set(results, @path, json(@result)) END
     WHERE id = @id AND worker_id = @workerId AND status = 'RUNNING' AND (@path IS NULL OR @index < json_array_length(results))`,
  );
  // A hand-back is not a failed attempt: it does not count towards maxAttempts.
  const release = db.prepare(
    `UPDATE tasks SET status = 'PENDING', worker_id = NULL, lease_until = NULL, attempts = max(attempts - 1, 0)
     WHERE id = ? AND worker_id = ? AND status = 'RUNNING'`,
  );
  const failExhausted = db.prepare<[string, string, number, number, number, number], { id: string }>(
    `UPDATE tasks SET status = 'FAILED', code = ?, message = ?, end_time = ?, expires_at = ?, worker_id = NULL, lease_until = NULL
     WHERE status = 'RUNNING' AND lease_until < ? AND attempts >= ? RETURNING id`,
  );
  const requeueExpired = db.prepare<[number], { id: string }>(
    `UPDATE tasks SET status = 'PENDING', worker_id = NULL, lease_until = NULL
     WHERE status = 'RUNNING' AND lease_until < ? RETURNING id`,
  );

  const batch = writeBatchFor(db);
  // Transactions, run with .immediate() (the write lock first) or inside the write batch's.
  const claimTx = db.transaction((workerId: string, now: number, leaseUntil: number, maxRunning: number) => {
    const chosen = nextWorkspace.get(maxRunning);
    if (!chosen) return undefined;
    const row = claim.get(workerId, leaseUntil, now, chosen.workspace_id);
    if (row) takeTurn.run(chosen.workspace_id);
    return row;
  });
  const heartbeatManyTx = db.transaction((ids: readonly string[], workerId: string, leaseUntil: number) =>
    ids.filter((id) => heartbeat.run(leaseUntil, id, workerId).changes === 1),
  );
  const recoverTx = db.transaction((now: number, maxAttempts: number, failure: { code: string; message: string; expiresAt: number }): RecoveryReport => {
    const failed = failExhausted.all(failure.code, failure.message, now, failure.expiresAt, now, maxAttempts).map((r) => r.id);
    const requeued = requeueExpired.all(now).map((r) => r.id);
    return { failed, requeued };
  });

  return {
    async claim(workerId, now, leaseUntil, maxRunningPerWorkspace) {
      const row = await batch.run(() => claimTx(workerId, now, leaseUntil, maxRunningPerWorkspace));
      if (!row) return undefined;
      events.changed(row.id);
      // RETURNING shows the row before the revision trigger ran.
      return toTaskRecord(get.get(row.id) ?? row);
    },
    async heartbeat(id, workerId, leaseUntil) {
      return heartbeat.run(leaseUntil, id, workerId).changes === 1;
    },
    async heartbeatMany(ids, workerId, leaseUntil) {
      return heartbeatManyTx.immediate(ids, workerId, leaseUntil);
    },
    async setRouting(id, workerId, routing) {
      const upstream = routing.upstream === undefined ? null : JSON.stringify(routing.upstream);
      return (await batch.run(() => setRouting.run(routing.engine, upstream, id, workerId))).changes === 1;
    },
    async recordResult(id, workerId, index, result) {
      if (!isImageIndex(index)) return false;
      const recorded = (await batch.run(() => recordResult.run(`$[${index}]`, JSON.stringify(result), id, workerId, index))).changes === 1;
      if (recorded) events.changed(id);
      return recorded;
    },
    async settle(id, workerId, s: Settlement) {
      if (s.last && !isImageIndex(s.last.index)) return false;
      const params = {
        status: s.status,
        code: s.code ?? null,
        message: s.message ?? null,
        endTime: s.endTime,
        expiresAt: s.expiresAt,
        path: s.last ? `$[${s.last.index}]` : null,
        index: s.last?.index ?? null,
        result: s.last ? JSON.stringify(s.last.result) : null,
        id,
        workerId,
      };
      const settled = (await batch.run(() => settle.run(params))).changes === 1;
      if (settled) {
        events.settled(id);
        events.changed(id);
      }
      return settled;
    },
    async release(id, workerId) {
      const released = release.run(id, workerId).changes === 1;
      if (released) {
        events.available();
        events.changed(id);
      }
      return released;
    },
    async recoverExpired(now, maxAttempts, failure) {
      const report = recoverTx.immediate(now, maxAttempts, failure);
      if (report.requeued.length > 0) events.available();
      for (const id of report.failed) events.settled(id);
      for (const id of [...report.requeued, ...report.failed]) events.changed(id);
      return report;
    },
  };
}
