/**
 * TaskStore on embedded SQLite. better-sqlite3 is synchronous; each method is one short
 * statement or an IMMEDIATE transaction, so the event loop is held for microseconds.
 */
import type { StoredTaskStatus } from '@retouch/sdk/protocol';
import type { IdempotencyRecord, ListQuery, NewTask, RecoveryReport, Settlement, TaskStore, UsageRow } from '../task-store.js';
import { createTaskEventHub, type TaskEvents } from '../task-events.js';
import type { SqliteDatabase } from './database.js';
import { toTaskRecord, type TaskRow } from '../task-row.js';

/** Events are delivered in-process: only this process writes to the file while serving. */
export function createSqliteTaskStore(db: SqliteDatabase): TaskStore & TaskEvents {
  const events = createTaskEventHub();
  const insert = db.prepare(
    `INSERT INTO tasks (id, workspace_id, api_key_id, request_id, model, status, prompt, negative_prompt, n, size, seed,
       prompt_extend, watermark, input_keys, submit_time, results, expires_at)
     VALUES (@id, @workspaceId, @apiKeyId, @requestId, @model, 'PENDING', @prompt, @negativePrompt, @n, @size, @seed,
       @promptExtend, @watermark, @inputKeys, @submitTime, @results, @expiresAt)`,
  );
  const get = db.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE id = ?');
  const cancel = db.prepare(`UPDATE tasks SET status = 'CANCELED', end_time = ? WHERE id = ? AND workspace_id = ? AND status = 'PENDING'`);
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
  const cancelUpstreamPending = db.prepare(
    `UPDATE tasks SET status = 'CANCELED', end_time = ?, worker_id = NULL, lease_until = NULL
     WHERE id = ? AND workspace_id = ? AND status = 'RUNNING' AND json_extract(upstream, '$.status') = 'PENDING'`,
  );
  const recordResult = db.prepare(
    `UPDATE tasks SET results = json_set(results, ?, json(?))
     WHERE id = ? AND worker_id = ? AND status = 'RUNNING'`,
  );
  const settle = db.prepare(
    `UPDATE tasks SET status = ?, code = ?, message = ?, end_time = ?, expires_at = ?, worker_id = NULL, lease_until = NULL
     WHERE id = ? AND worker_id = ? AND status = 'RUNNING'`,
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
  const selectExpired = db.prepare<[number, number], TaskRow>('SELECT * FROM tasks WHERE expires_at <= ? ORDER BY expires_at LIMIT ?');
  const deleteOne = db.prepare('DELETE FROM tasks WHERE id = ?');
  const changedSince = db.prepare<[string, number, number, number], TaskRow>(
    'SELECT * FROM tasks WHERE workspace_id = ? AND revision > ? AND expires_at > ? ORDER BY revision LIMIT ?',
  );
  const findKey = db.prepare<[string, string, number], IdempotencyRecord>(
    `SELECT task_id AS taskId, fingerprint FROM idempotency_keys WHERE workspace_id = ? AND key = ? AND expires_at > ?`,
  );
  const dropExpiredKey = db.prepare('DELETE FROM idempotency_keys WHERE workspace_id = ? AND key = ? AND expires_at <= ?');
  const claimKey = db.prepare(
    `INSERT INTO idempotency_keys (workspace_id, key, fingerprint, task_id, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const deleteExpiredKeys = db.prepare('DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)');
  const countByStatus = db.prepare<[number], { status: StoredTaskStatus; c: number }>(
    'SELECT status, count(*) AS c FROM tasks WHERE expires_at > ? GROUP BY status',
  );

  const claimTx = db.transaction((workerId: string, now: number, leaseUntil: number, maxRunning: number) => {
    const chosen = nextWorkspace.get(maxRunning);
    if (!chosen) return undefined;
    const row = claim.get(workerId, leaseUntil, now, chosen.workspace_id);
    if (row) takeTurn.run(chosen.workspace_id);
    return row;
  });
  const recoverTx = db.transaction((now: number, maxAttempts: number, failure: { code: string; message: string; expiresAt: number }): RecoveryReport => {
    const failed = failExhausted.all(failure.code, failure.message, now, failure.expiresAt, now, maxAttempts).map((r) => r.id);
    const requeued = requeueExpired.all(now).map((r) => r.id);
    return { failed, requeued };
  });
  const deleteTx = db.transaction((now: number, limit: number) => {
    const rows = selectExpired.all(now, limit);
    for (const row of rows) deleteOne.run(row.id);
    return rows.map(toTaskRecord);
  });

  const insertRow = (task: NewTask) =>
    insert.run({
      ...task,
      size: task.size ? `${task.size.width}*${task.size.height}` : null,
      promptExtend: task.promptExtend ? 1 : 0,
      watermark: task.watermark ? 1 : 0,
      inputKeys: JSON.stringify(task.inputKeys),
      results: JSON.stringify(Array.from({ length: task.n }, () => null)),
    });

  // The key row and the task row commit together; an unexpired twin wins and nothing is inserted.
  const insertIdempotentTx = db.transaction(
    (task: NewTask, key: string, fingerprint: string, createdAt: number, expiresAt: number): IdempotencyRecord | undefined => {
      dropExpiredKey.run(task.workspaceId, key, createdAt);
      if (claimKey.run(task.workspaceId, key, fingerprint, task.id, createdAt, expiresAt).changes === 0) {
        return findKey.get(task.workspaceId, key, createdAt);
      }
      insertRow(task);
      return undefined;
    },
  );

  return {
    onTaskAvailable: events.onTaskAvailable,
    onTaskSettled: events.onTaskSettled,
    onTaskChanged: events.onTaskChanged,
    async insert(task: NewTask) {
      insertRow(task);
      events.available();
      events.changed(task.id);
    },
    async insertIdempotent(task, claim) {
      const existing = insertIdempotentTx.immediate(task, claim.key, claim.fingerprint, claim.createdAt, claim.expiresAt);
      if (existing) return { created: false, ...existing };
      events.available();
      events.changed(task.id);
      return { created: true };
    },
    async findIdempotencyKey(workspaceId, key, now) {
      return findKey.get(workspaceId, key, now);
    },
    async deleteExpiredIdempotencyKeys(now, limit) {
      return deleteExpiredKeys.run(now, limit).changes;
    },
    async changedSince(workspaceId, afterRevision, now, limit) {
      return changedSince.all(workspaceId, afterRevision, now, limit).map(toTaskRecord);
    },
    async get(id) {
      const row = get.get(id);
      return row ? toTaskRecord(row) : undefined;
    },
    async list(query: ListQuery) {
      const where = ['workspace_id = @workspaceId', 'submit_time >= @from', 'submit_time <= @to', 'expires_at > @now'];
      if (query.taskId !== undefined) where.push('id = @taskId');
      if (query.model !== undefined) where.push('model = @model');
      if (query.status !== undefined) where.push('status = @status');
      const clause = where.join(' AND ');
      const params = { ...query };
      const total = (db.prepare(`SELECT count(*) AS c FROM tasks WHERE ${clause}`).get(params) as { c: number }).c;
      const rows = db
        .prepare<typeof params, TaskRow>(`SELECT * FROM tasks WHERE ${clause} ORDER BY submit_time DESC, id DESC LIMIT @limit OFFSET @offset`)
        .all(params);
      return { total, items: rows.map(toTaskRecord) };
    },
    async cancel(id, workspaceId, now) {
      const canceled = cancel.run(now, id, workspaceId).changes === 1;
      if (canceled) {
        events.settled(id);
        events.changed(id);
      }
      return canceled;
    },
    async claim(workerId, now, leaseUntil, maxRunningPerWorkspace) {
      const row = claimTx.immediate(workerId, now, leaseUntil, maxRunningPerWorkspace);
      if (!row) return undefined;
      events.changed(row.id);
      // RETURNING shows the row before the revision trigger ran.
      return toTaskRecord(get.get(row.id) ?? row);
    },
    async heartbeat(id, workerId, leaseUntil) {
      return heartbeat.run(leaseUntil, id, workerId).changes === 1;
    },
    async heartbeatMany(ids, workerId, leaseUntil) {
      const held = db.transaction(() => ids.filter((id) => heartbeat.run(leaseUntil, id, workerId).changes === 1));
      return held.immediate();
    },
    async setRouting(id, workerId, routing) {
      const upstream = routing.upstream === undefined ? null : JSON.stringify(routing.upstream);
      return setRouting.run(routing.engine, upstream, id, workerId).changes === 1;
    },
    async cancelUpstreamPending(id, workspaceId, now) {
      const canceled = cancelUpstreamPending.run(now, id, workspaceId).changes === 1;
      if (canceled) {
        events.settled(id);
        events.changed(id);
      }
      return canceled;
    },
    async recordResult(id, workerId, index, result) {
      if (!Number.isInteger(index) || index < 0) return false;
      const recorded = recordResult.run(`$[${index}]`, JSON.stringify(result), id, workerId).changes === 1;
      if (recorded) events.changed(id);
      return recorded;
    },
    async settle(id, workerId, s: Settlement) {
      const settled = settle.run(s.status, s.code ?? null, s.message ?? null, s.endTime, s.expiresAt, id, workerId).changes === 1;
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
    async deleteExpired(now, limit) {
      return deleteTx.immediate(now, limit);
    },
    async countByStatus(now) {
      return Object.fromEntries(countByStatus.all(now).map((r) => [r.status, r.c]));
    },
    async usage(query) {
      const byWorkspace = query.workspaceId === undefined ? '' : 'AND workspace_id = @workspaceId';
      return db
        .prepare<{ from: number; to: number; workspaceId?: string }, UsageRow>(
          `SELECT workspace_id AS workspaceId, date(submit_time / 1000, 'unixepoch') AS day, count(*) AS tasks,
             sum(status = 'SUCCEEDED') AS succeeded, sum(status = 'FAILED') AS failed, sum(status = 'CANCELED') AS canceled,
             sum((SELECT count(*) FROM json_each(results) WHERE json_extract(value, '$.ok') = 1)) AS images
           FROM tasks WHERE submit_time >= @from AND submit_time <= @to ${byWorkspace}
           GROUP BY day, workspace_id ORDER BY day, workspace_id`,
        )
        .all({ from: query.from, to: query.to, ...(query.workspaceId === undefined ? {} : { workspaceId: query.workspaceId }) });
    },
    async close() {
      // The database handle is owned by the composition root, which closes it once.
    },
  };
}
