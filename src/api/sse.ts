/**
 * A server-sent-events response on a hijacked Fastify reply: `id:`/`event:`/`data:` frames,
 * `: ping` heartbeats, bounded buffering for slow readers, and clean-up exactly once whether
 * the client goes away, the stream ends itself or the server closes.
 *
 * Memory per stream stays bounded: while the socket is backed up, only the newest frame per
 * key (task id) is kept, since each frame carries a task's whole state; a reader so slow that
 * more than MAX_PENDING tasks wait is disconnected and resumes with Last-Event-ID.
 */
import type { FastifyReply } from 'fastify';

export interface EventStream {
  /** Queues one `event: task` frame; `key` coalesces frames of one task while backed up. */
  send(key: string, id: number, data: unknown): void;
  /** Flushes what is pending and ends the response. */
  end(): void;
  readonly closed: boolean;
}

const MAX_PENDING = 256;

const frame = (id: number, data: unknown) => `id: ${id}\nevent: task\ndata: ${JSON.stringify(data)}\n\n`;

export function openEventStream(reply: FastifyReply, options: { heartbeatMs: number; onClose: () => void }): EventStream {
  const raw = reply.raw;
  reply.hijack();
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  raw.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    // Reverse proxies (nginx) would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  raw.flushHeaders();

  const pending = new Map<string, { id: number; text: string }>();
  let closed = false;
  const heartbeat = setInterval(() => {
    if (!raw.writableNeedDrain) raw.write(': ping\n\n');
  }, options.heartbeatMs);

  const flush = () => {
    const frames = [...pending.values()].sort((a, b) => a.id - b.id);
    pending.clear();
    for (const f of frames) raw.write(f.text);
  };
  const cleanUp = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    pending.clear();
    options.onClose();
  };
  raw.on('drain', flush);
  raw.once('close', cleanUp);

  return {
    get closed() {
      return closed;
    },
    send(key, id, data) {
      if (closed) return;
      if (!raw.writableNeedDrain && pending.size === 0) {
        raw.write(frame(id, data));
        return;
      }
      pending.delete(key);
      pending.set(key, { id, text: frame(id, data) });
      if (pending.size > MAX_PENDING) {
        pending.clear();
        raw.destroy();
      }
    },
    end() {
      if (closed) return;
      flush();
      raw.end();
      cleanUp();
    },
  };
}
