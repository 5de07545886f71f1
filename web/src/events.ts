/**
 * Live task updates: server-sent events from `GET /api/v1/tasks/events` where the server has
 * them (each event's data is a task's GET body), polling otherwise.
 *
 * The stream is read with fetch rather than EventSource so that the key travels in the
 * Authorization header (EventSource cannot send headers, and a key in the URL ends up in logs).
 * Feature detection is the answer itself: anything but a 200 `text/event-stream` (a 404 on a
 * server without events) means polling, and so does a stream that breaks.
 */
export interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

/** Incremental parser of the text/event-stream format (WHATWG HTML §9.2): feed chunks, get events. */
export function createSseParser(onEvent: (event: SseEvent) => void): (chunk: string) => void {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  const dispatch = () => {
    if (data.length > 0) onEvent({ id, event: event || 'message', data: data.join('\n') });
    data = [];
    event = '';
  };
  return (chunk) => {
    buffer += chunk;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') dispatch();
      else if (line.startsWith(':')) continue;
      else {
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id') id = value;
      }
    }
  };
}

/**
 * Follows the workspace's task events until `signal` aborts. Resolves false at once when the
 * server offers no stream (the caller polls instead) and when the stream ends or fails.
 */
export async function followTaskEvents(
  apiKey: string,
  onTask: (body: unknown) => void,
  signal: AbortSignal,
  onOpen: () => void = () => undefined,
): Promise<boolean> {
  let res: Response;
  try {
    res = await fetch(`${location.origin}/api/v1/tasks/events`, {
      headers: { Authorization: `Bearer ${apiKey}`, Accept: 'text/event-stream' },
      signal,
    });
  } catch {
    return false;
  }
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('text/event-stream') || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    return false;
  }
  onOpen();
  const feed = createSseParser((e) => {
    if (e.event !== 'task') return;
    try {
      onTask(JSON.parse(e.data));
    } catch {
      // a malformed event is skipped; the next list refresh corrects the view
    }
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      feed(value);
    }
  } catch {
    return false;
  }
}
