/**
 * LISTEN/NOTIFY: one dedicated connection per node hears what the triggers of the migrations
 * announce on the schema's channel (task wake-ups, see src/tasks/task-events.ts).
 */
import pg from 'pg';
import { clientConfig, quoteIdent, type PgOptions, type PgPool } from './database.js';

/** The NOTIFY channel of a schema: nodes sharing a schema share it, other schemas stay apart. */
export async function channelOf(pool: PgPool): Promise<string> {
  const { rows } = await pool.query<{ s: string }>('SELECT current_schema() AS s');
  return `retouch:${rows[0]!.s}`;
}

export interface Listener {
  close(): Promise<void>;
}

/**
 * LISTENs on `channel` over a dedicated connection (a pooled one would be handed to others).
 * When the connection drops it reconnects with back-off and then calls `onReconnect`, since
 * notifications sent meanwhile are lost. Resolves once the first attempt is over.
 */
export async function listen(options: PgOptions, channel: string, onPayload: (payload: string) => void, onReconnect: () => void): Promise<Listener> {
  let client: pg.Client | undefined;
  let closed = false;
  let everConnected = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let delay = 100;

  const scheduleRetry = () => {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
    retryTimer.unref();
    delay = Math.min(delay * 2, 5000);
  };
  const connect = async (): Promise<void> => {
    const next = new pg.Client(clientConfig(options));
    next.on('notification', (msg) => msg.channel === channel && onPayload(msg.payload ?? ''));
    next.on('error', () => undefined);
    try {
      await next.connect();
      await next.query(`LISTEN ${quoteIdent(channel)}`);
    } catch {
      await next.end().catch(() => undefined);
      return scheduleRetry();
    }
    if (closed) return void (await next.end().catch(() => undefined));
    next.on('end', () => {
      client = undefined;
      scheduleRetry();
    });
    client = next;
    delay = 100;
    if (everConnected) onReconnect();
    everConnected = true;
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => undefined);
    },
  };
}
