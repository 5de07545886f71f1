/**
 * TaskEvents on PostgreSQL: what the task triggers (src/db/postgres/migrations/) announce on the
 * schema's channel, heard over this node's listening connection, so that idle workers and push
 * clients on every node learn about tasks created or progressed on any other.
 */
import type { PgOptions, PgPool } from '../../db/postgres/database.js';
import { channelOf, listen } from '../../db/postgres/notify.js';
import { createTaskEventHub, type TaskEvents } from '../task-events.js';

export async function listenForTaskEvents(options: PgOptions, pool: PgPool): Promise<TaskEvents & { close(): Promise<void> }> {
  const hub = createTaskEventHub();
  const listener = await listen(
    options,
    await channelOf(pool),
    (payload) => {
      if (payload === 'available') hub.available();
      else if (payload.startsWith('settled:')) hub.settled(payload.slice('settled:'.length));
      else if (payload.startsWith('changed:')) hub.changed(payload.slice('changed:'.length));
      else if (payload === 'deliveries') hub.deliveriesQueued();
    },
    // Notifications sent while the connection was down are lost: let workers look anyway, and
    // let push clients re-read what they watch.
    () => {
      hub.available();
      hub.deliveriesQueued();
      hub.changed(undefined);
    },
  );
  return {
    onTaskAvailable: hub.onTaskAvailable,
    onTaskSettled: hub.onTaskSettled,
    onTaskChanged: hub.onTaskChanged,
    onDeliveriesQueued: hub.onDeliveriesQueued,
    close: () => listener.close(),
  };
}
