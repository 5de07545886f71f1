/**
 * WebhookStore on PostgreSQL, shared by every node. Dispatchers on several nodes claim due
 * deliveries with `FOR UPDATE SKIP LOCKED`, so they split the outbox instead of sending a
 * delivery twice or waiting on each other; the lock column (`locked_until`) outlives the
 * transaction and covers the HTTP attempt itself.
 */
import type { PgPool } from '../../db/postgres/database.js';
import { transaction } from '../../db/postgres/transaction.js';
import { encodeEvents, toAttempt, toDelivery, toEndpoint, type AttemptRow, type DeliveryRow, type EndpointRow, type WebhookStore } from '../webhook-store.js';

const CLAIM = `UPDATE webhook_deliveries d SET locked_by = $1, locked_until = $2
  FROM (SELECT id FROM webhook_deliveries
        WHERE state = 'pending' AND next_attempt_at <= $3 AND (locked_until IS NULL OR locked_until <= $3)
        ORDER BY next_attempt_at, id LIMIT $4
        FOR UPDATE SKIP LOCKED) due
  WHERE d.id = due.id
  RETURNING d.*, coalesce((SELECT secret FROM webhook_endpoints e WHERE e.id = d.endpoint_id),
                          (SELECT secret FROM webhook_secrets s WHERE s.workspace_id = d.workspace_id)) AS secret`;

export function createPostgresWebhookStore(pool: PgPool): WebhookStore {
  const withAttempts = async (rows: DeliveryRow[]) => {
    if (rows.length === 0) return [];
    const { rows: attempts } = await pool.query<AttemptRow>('SELECT * FROM webhook_attempts WHERE delivery_id = ANY($1) ORDER BY delivery_id, attempt', [
      rows.map((r) => r.id),
    ]);
    return rows.map((row) => ({ ...toDelivery(row), attemptLog: attempts.filter((a) => a.delivery_id === row.id).map(toAttempt) }));
  };

  return {
    async createEndpoint(e) {
      await pool.query(`INSERT INTO webhook_endpoints (id, workspace_id, url, events, description, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        e.id,
        e.workspaceId,
        e.url,
        encodeEvents(e.events),
        e.description,
        e.secret,
        e.createdAt,
      ]);
    },
    async listEndpoints(workspaceId) {
      const { rows } = await pool.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE workspace_id = $1 ORDER BY created_at, id', [workspaceId]);
      return rows.map(toEndpoint);
    },
    async getEndpoint(id, workspaceId) {
      const { rows } = await pool.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2', [id, workspaceId]);
      return rows[0] ? toEndpoint(rows[0]) : undefined;
    },
    async deleteEndpoint(id, workspaceId) {
      return transaction(pool, async (client) => {
        const deleted = await client.query('DELETE FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2', [id, workspaceId]);
        if (deleted.rowCount !== 1) return false;
        await client.query(`UPDATE webhook_deliveries SET state = 'canceled' WHERE endpoint_id = $1 AND state = 'pending'`, [id]);
        return true;
      });
    },
    async registerCallback(taskId, workspaceId, url, now) {
      await pool.query(
        `INSERT INTO task_callbacks (task_id, workspace_id, url, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (task_id) DO UPDATE SET url = excluded.url`,
        [taskId, workspaceId, url, now],
      );
    },
    async callbackSecret(workspaceId, now, fresh) {
      // Two nodes creating it at once: the second insert does nothing and both read the first.
      await pool.query('INSERT INTO webhook_secrets (workspace_id, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        workspaceId,
        fresh(),
        now,
      ]);
      const { rows } = await pool.query<{ secret: string }>('SELECT secret FROM webhook_secrets WHERE workspace_id = $1', [workspaceId]);
      return rows[0]!.secret;
    },
    async enqueue(d) {
      await pool.query(
        `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, url, task_id, event_type, event_time, payload, state, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, 'pending', $6, $6)`,
        [d.id, d.workspaceId, d.endpointId ?? null, d.url, d.eventType, d.eventTime, d.payload ?? null],
      );
    },
    async claimDue(lockedBy, now, lockedUntil, limit) {
      const { rows } = await pool.query<DeliveryRow>(CLAIM, [lockedBy, lockedUntil, now, limit]);
      return rows.map((row) => ({ ...toDelivery(row), secret: row.secret ?? '' }));
    },
    async finishAttempt(id, lockedBy, o) {
      return transaction(pool, async (client) => {
        const updated = await client.query(
          `UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1, next_attempt_at = $4, payload = $5,
             last_status = $6, last_error = $7, last_attempt_at = $8, locked_by = NULL, locked_until = NULL
           WHERE id = $1 AND locked_by = $2 AND state = 'pending'`,
          [id, lockedBy, o.state, o.nextAttemptAt, o.payload, o.attempt.status ?? null, o.attempt.error ?? null, o.attempt.startedAt],
        );
        if (updated.rowCount !== 1) return false;
        await client.query(
          `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, error)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [id, o.attempt.attempt, o.attempt.startedAt, o.attempt.durationMs, o.attempt.status ?? null, o.attempt.error ?? null],
        );
        return true;
      });
    },
    async listDeliveries(endpointId, workspaceId, limit) {
      const { rows } = await pool.query<DeliveryRow>(
        'SELECT * FROM webhook_deliveries WHERE endpoint_id = $1 AND workspace_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3',
        [endpointId, workspaceId, limit],
      );
      return withAttempts(rows);
    },
    async getDelivery(id) {
      const { rows } = await pool.query<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = $1', [id]);
      return (await withAttempts(rows))[0];
    },
    async countPending() {
      const { rows } = await pool.query<{ c: number }>(`SELECT count(*)::int AS c FROM webhook_deliveries WHERE state = 'pending'`);
      return rows[0]!.c;
    },
    async sweep(before) {
      const a = await pool.query(`DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < $1`, [before]);
      const b = await pool.query('DELETE FROM task_callbacks c WHERE created_at < $1 AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = c.task_id)', [before]);
      return (a.rowCount ?? 0) + (b.rowCount ?? 0);
    },
  };
}
