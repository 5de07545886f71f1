/**
 * The SQLite counterpart of PostgreSQL's `webhook_deliveries_notify` trigger (migration 8): a
 * TEMP trigger on this connection calls back into JavaScript whenever a row enters the webhook
 * outbox (the status triggers of migration 5, a test event, a failed recovery), and the hub then
 * announces `deliveriesQueued`. So the dispatcher claims due deliveries when there are some,
 * instead of after every settle of a deployment that has no webhooks at all.
 *
 * The callback runs inside the inserting statement, before its transaction commits; the
 * announcement waits for a microtask, which runs once the synchronous better-sqlite3 call that
 * holds the transaction has returned (committed or rolled back: a rolled-back insert gives a
 * spurious wake-up, which listeners tolerate, task-events.ts). Several rows in one call give
 * one announcement. TEMP: it lives as long as the connection, so no migration carries it, and
 * another process sharing the file hears nothing (it never did: SQLite events are in-process).
 */
import type { SqliteDatabase } from '../../db/sqlite/database.js';
import type { TaskEventHub } from '../task-events.js';

export function announceQueuedDeliveries(db: SqliteDatabase, events: TaskEventHub): void {
  let scheduled = false;
  const announce = () => {
    scheduled = false;
    events.deliveriesQueued();
  };
  db.function('retouch_deliveries_queued', { deterministic: false }, () => {
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(announce);
    }
    return null;
  });
  db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS webhook_deliveries_announce AFTER INSERT ON main.webhook_deliveries
           BEGIN SELECT retouch_deliveries_queued(); END`);
}
