/**
 * TaskRepository on embedded SQLite. better-sqlite3 is synchronous; each method is one short
 * statement or an IMMEDIATE transaction, so the event loop is held for microseconds. Wake-ups
 * are delivered in-process (`events`): only this process writes to the file while serving.
 */
import type { StoredTaskStatus } from '@retouch/sdk/protocol';
import type { Statement } from 'better-sqlite3';
import { writeBatchFor } from '../../db/sqlite/write-batch.js';
import type { SqliteDatabase } from '../../db/sqlite/database.js';
import type { TaskEventHub } from '../task-events.js';
import type { NewTask } from '../task-record.js';
import type { IdempotencyRecord, ListQuery, TaskRepository, UsageRow } from '../task-repository.js';
import { toTaskRecord, type TaskRow } from '../task-row.js';

export function createSqliteTaskRepository(db: SqliteDatabase, events: TaskEventHub): TaskRepository {
  const insert = db.prepare(
    `INSERT INTO tasks (id, workspace_id, api_key_id, request_id, model, status, prompt, negative_prompt, n, size, seed,
       prompt_extend, watermark, input_keys, submit_time, results, expires_at)
     VALUES (@id, @workspaceId, @apiKeyId, @requestId, @model, 'PENDING', @prompt, @negativePrompt, @n, @size, @seed,
       @promptExtend, @watermark, @inputKeys, @submitTime, @results, @expiresAt)`,
  );
  const get = db.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE id = ?');
  const cancel = db.prepare(`UPDATE tasks SET status = 'CANCELED', end_time = ? WHERE id = ? AND workspace_id = ? AND status = 'PENDING'`);
  const cancelUpstreamPending = db.prepare(
    `UPDATE tasks SET status = 'CANCELED', end_time = ?, worker_id = NULL, lease_until = NULL
     WHERE id = ? AND workspace_id = ? AND status = 'RUNNING' AND json_extract(upstream, '$.status') = 'PENDING'`,
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

  // The list's statements, one pair per combination of the optional filters (eight at most),
  // prepared on first use instead of on every call.
  const listStatements = new Map<string, { count: Statement<ListQuery, { c: number }>; page: Statement<ListQuery, TaskRow> }>();
  const listStatementsFor = (query: ListQuery) => {
    const where = ['workspace_id = @workspaceId', 'submit_time >= @from', 'submit_time <= @to', 'expires_at > @now'];
    if (query.taskId !== undefined) where.push('id = @taskId');
    if (query.model !== undefined) where.push('model = @model');
    if (query.status !== undefined) where.push('status = @status');
    const clause = where.join(' AND ');
    let statements = listStatements.get(clause);
    if (!statements) {
      statements = {
        count: db.prepare<ListQuery, { c: number }>(`SELECT count(*) AS c FROM tasks WHERE ${clause}`),
        page: db.prepare<ListQuery, TaskRow>(`SELECT * FROM tasks WHERE ${clause} ORDER BY submit_time DESC, id DESC LIMIT @limit OFFSET @offset`),
      };
      listStatements.set(clause, statements);
    }
    return statements;
  };

  const insertRow = (task: NewTask) =>
    insert.run({
      ...task,
      size: task.size ? `${task.size.width}*${task.size.height}` : null,
      promptExtend: task.promptExtend ? 1 : 0,
      watermark: task.watermark ? 1 : 0,
      inputKeys: JSON.stringify(task.inputKeys),
      results: JSON.stringify(Array.from({ length: task.n }, () => null)),
    });

  // Inserts go through the database's write batch (group commit, db/sqlite/write-batch.ts).
  const batch = writeBatchFor(db);
  // Transactions (IMMEDIATE: the write lock first, so concurrent processes queue up).
  // The key row and the task row commit together (a savepoint of the write batch's transaction); an unexpired twin wins and nothing is inserted.
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
  const deleteTx = db.transaction((now: number, limit: number) => {
    const rows = selectExpired.all(now, limit);
    for (const row of rows) deleteOne.run(row.id);
    return rows.map(toTaskRecord);
  });

  const canceled = (id: string, changes: number) => {
    if (changes !== 1) return false;
    events.settled(id);
    events.changed(id);
    return true;
  };

  return {
    async insert(task) {
      await batch.run(() => insertRow(task));
      events.available();
      events.changed(task.id);
    },
    async insertIdempotent(task, claim) {
      const existing = await batch.run(() => insertIdempotentTx(task, claim.key, claim.fingerprint, claim.createdAt, claim.expiresAt));
      if (existing) return { created: false, ...existing };
      events.available();
      events.changed(task.id);
      return { created: true };
    },
    async findIdempotencyKey(workspaceId, key, now) {
      return findKey.get(workspaceId, key, now);
    },
    async get(id) {
      const row = get.get(id);
      return row ? toTaskRecord(row) : undefined;
    },
    async list(query: ListQuery) {
      const { count, page } = listStatementsFor(query);
      const params = { ...query };
      const total = count.get(params)!.c;
      return { total, items: page.all(params).map(toTaskRecord) };
    },
    async cancel(id, workspaceId, now) {
      return canceled(id, cancel.run(now, id, workspaceId).changes);
    },
    async cancelUpstreamPending(id, workspaceId, now) {
      return canceled(id, cancelUpstreamPending.run(now, id, workspaceId).changes);
    },
    async changedSince(workspaceId, afterRevision, now, limit) {
      return changedSince.all(workspaceId, afterRevision, now, limit).map(toTaskRecord);
    },
    async deleteExpired(now, limit) {
      return deleteTx.immediate(now, limit);
    },
    async deleteExpiredIdempotencyKeys(now, limit) {
      return deleteExpiredKeys.run(now, limit).changes;
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
  };
}
