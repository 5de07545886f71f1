/** WebhookStore on the embedded SQLite database (one process writes; claims in IMMEDIATE transactions). */
import type { SqliteDatabase } from '../../db/sqlite/database.js';
import {
  encodeEvents,
  toAttempt,
  toDelivery,
  toEndpoint,
  type AttemptRow,
  type ClaimedDelivery,
  type DeliveryRow,
  type EndpointRow,
  type WebhookStore,
} from '../webhook-store.js';

export function createSqliteWebhookStore(db: SqliteDatabase): WebhookStore {
  const insertEndpoint = db.prepare(
    `INSERT INTO webhook_endpoints (id, workspace_id, url, events, description, secret, created_at)
     VALUES (@id, @workspaceId, @url, @events, @description, @secret, @createdAt)`,
  );
  const listEndpoints = db.prepare<[string], EndpointRow>('SELECT * FROM webhook_endpoints WHERE workspace_id = ? ORDER BY created_at, id');
  const getEndpoint = db.prepare<[string, string], EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = ? AND workspace_id = ?');
  const deleteEndpoint = db.prepare('DELETE FROM webhook_endpoints WHERE id = ? AND workspace_id = ?');
  const cancelPending = db.prepare(`UPDATE webhook_deliveries SET state = 'canceled' WHERE endpoint_id = ? AND state = 'pending'`);
  const insertCallback = db.prepare(
    'INSERT INTO task_callbacks (task_id, workspace_id, url, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (task_id) DO UPDATE SET url = excluded.url',
  );
  const getSecret = db.prepare<[string], { secret: string }>('SELECT secret FROM webhook_secrets WHERE workspace_id = ?');
  const insertSecret = db.prepare('INSERT INTO webhook_secrets (workspace_id, secret, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const enqueue = db.prepare(
    `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, url, task_id, event_type, event_time, payload, state, next_attempt_at, created_at)
     VALUES (@id, @workspaceId, @endpointId, @url, NULL, @eventType, @eventTime, @payload, 'pending', @eventTime, @eventTime)`,
  );
  const claim = db.prepare<[string, number, number, number, number], DeliveryRow>(
    `UPDATE webhook_deliveries SET locked_by = ?, locked_until = ?
     WHERE id IN (SELECT id FROM webhook_deliveries
                  WHERE state = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)
                  ORDER BY next_attempt_at, id LIMIT ?)
     RETURNING *`,
  );
  const secretOf = db.prepare<[string | null, string], { secret: string }>(
    `SELECT coalesce((SELECT secret FROM webhook_endpoints WHERE id = ?),
                     (SELECT secret FROM webhook_secrets WHERE workspace_id = ?)) AS secret`,
  );
  const finish = db.prepare(
    `UPDATE webhook_deliveries SET state = @state, attempts = attempts + 1, next_attempt_at = @nextAttemptAt, payload = @payload,
       last_status = @status, last_error = @error, last_attempt_at = @startedAt, locked_by = NULL, locked_until = NULL
     WHERE id = @id AND locked_by = @lockedBy AND state = 'pending'`,
  );
  const insertAttempt = db.prepare(
    `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, error)
     VALUES (@id, @attempt, @startedAt, @durationMs, @status, @error) ON CONFLICT DO NOTHING`,
  );
  const listDeliveries = db.prepare<[string, string, number], DeliveryRow>(
    'SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND workspace_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
  );
  const getDelivery = db.prepare<[string], DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = ?');
  const attemptsOf = db.prepare<[string], AttemptRow>('SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt');
  const countPending = db.prepare<[], { c: number }>(`SELECT count(*) AS c FROM webhook_deliveries WHERE state = 'pending'`);
  const sweepDeliveries = db.prepare(`DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < ?`);
  const sweepCallbacks = db.prepare('DELETE FROM task_callbacks WHERE created_at < ? AND task_id NOT IN (SELECT id FROM tasks)');

  const claimTx = db.transaction((lockedBy: string, now: number, lockedUntil: number, limit: number): ClaimedDelivery[] =>
    claim.all(lockedBy, lockedUntil, now, now, limit).map((row) => ({
      ...toDelivery(row),
      secret: secretOf.get(row.endpoint_id, row.workspace_id)?.secret ?? '',
    })),
  );
  const withAttempts = (row: DeliveryRow) => ({ ...toDelivery(row), attemptLog: attemptsOf.all(row.id).map(toAttempt) });

  return {
    async createEndpoint(e) {
      insertEndpoint.run({ ...e, events: encodeEvents(e.events) });
    },
    async listEndpoints(workspaceId) {
      return listEndpoints.all(workspaceId).map(toEndpoint);
    },
    async getEndpoint(id, workspaceId) {
      const row = getEndpoint.get(id, workspaceId);
      return row ? toEndpoint(row) : undefined;
    },
    async deleteEndpoint(id, workspaceId) {
      return db
        .transaction(() => {
          const deleted = deleteEndpoint.run(id, workspaceId).changes === 1;
          if (deleted) cancelPending.run(id);
          return deleted;
        })
        .immediate();
    },
    async registerCallback(taskId, workspaceId, url, now) {
      insertCallback.run(taskId, workspaceId, url, now);
    },
    async callbackSecret(workspaceId, now, fresh) {
      const known = getSecret.get(workspaceId);
      if (known) return known.secret;
      insertSecret.run(workspaceId, fresh(), now);
      return getSecret.get(workspaceId)!.secret;
    },
    async enqueue(d) {
      enqueue.run({ ...d, endpointId: d.endpointId ?? null, payload: d.payload ?? null });
    },
    async claimDue(lockedBy, now, lockedUntil, limit) {
      return claimTx.immediate(lockedBy, now, lockedUntil, limit);
    },
    async finishAttempt(id, lockedBy, o) {
      const params = {
        id,
        lockedBy,
        state: o.state,
        nextAttemptAt: o.nextAttemptAt,
        payload: o.payload,
        attempt: o.attempt.attempt,
        startedAt: o.attempt.startedAt,
        durationMs: o.attempt.durationMs,
        status: o.attempt.status ?? null,
        error: o.attempt.error ?? null,
      };
      return db
        .transaction(() => {
          if (finish.run(params).changes !== 1) return false;
          insertAttempt.run(params);
          return true;
        })
        .immediate();
    },
    async listDeliveries(endpointId, workspaceId, limit) {
      return listDeliveries.all(endpointId, workspaceId, limit).map(withAttempts);
    },
    async getDelivery(id) {
      const row = getDelivery.get(id);
      return row ? withAttempts(row) : undefined;
    },
    async countPending() {
      return countPending.get()!.c;
    },
    async sweep(before) {
      return sweepDeliveries.run(before).changes + sweepCallbacks.run(before).changes;
    },
  };
}
