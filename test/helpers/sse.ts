/**
 * An SSE client for tests: real fetch, frames parsed by `eventsource-parser` (a spec-following
 * parser, independent of the server's writer).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly body: any;
  readonly at: number;
}

export interface SseStream {
  readonly status: number;
  readonly headers: Headers;
  readonly events: SseEvent[];
  readonly comments: string[];
  /** Resolves when the server ends the stream (or the client closes it). */
  readonly ended: Promise<void>;
  /** Resolves once `events` satisfies `done` (checked on every event). */
  until(done: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const parser = createParser({
    onEvent: (e: EventSourceMessage) => {
      events.push({ id: e.id, event: e.event, body: JSON.parse(e.data), at: Date.now() });
      for (const w of [...waiters]) w();
    },
    onComment: (c) => comments.push(c),
  });
  let finished = false;
  const ended = (async () => {
    if (!res.body || res.status !== 200) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // aborted by close()
    } finally {
      finished = true;
      for (const w of [...waiters]) w();
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    ended,
    until(done, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (done(events)) {
            cleanup();
            resolve(events);
          } else if (finished) {
            cleanup();
            reject(new Error(`stream ended before the condition held; events: ${JSON.stringify(events.map((e) => [e.id, e.body?.output?.task_status]))}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`condition not reached after ${timeoutMs} ms; events: ${JSON.stringify(events.map((e) => [e.id, e.body?.output?.task_status]))}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}

export const statusOf = (e: SseEvent): string => e.body?.output?.task_status;
