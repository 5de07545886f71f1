/**
 * Server-sent events (text/event-stream), an extension DashScope clients never see:
 *
 * - `GET /api/v1/tasks/{id}/events`: one `event: task` per change of the task (PENDING,
 *   RUNNING, each finished image, the final state), ending after the final one;
 * - `GET /api/v1/tasks/events`: every change of every task of the caller's workspace, for
 *   dashboards (never ends by itself).
 *
 * `data:` is exactly the body `GET /api/v1/tasks/{id}` would answer, `id:` the task's revision
 * (a store-wide change counter, see task-record.ts). Since every event carries the whole state,
 * a client resuming with `Last-Event-ID: N` is sent the current state at once if the task
 * changed after N, and skipped states lose nothing. The workspace stream resends the tasks
 * changed after N (up to RESUME_LIMIT, oldest first). Where nothing more can come (a final task
 * already sent, an unknown task on resume) the answer is 204, which makes EventSource stop
 * reconnecting. Heartbeats are `: ping` comments. Auth: Bearer header, or `?api_key=` for
 * browsers' EventSource. The key is checked again every KEY_RECHECK_MS while a stream is open
 * (through the key cache, so within its revocation bound): a revoked key's stream ends, and the
 * client's reconnect is answered 401 InvalidApiKey.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Errors } from '../../errors.js';
import { isTerminal } from '@retouch/sdk/protocol';
import type { TaskFeed } from '../../tasks/task-feed.js';
import type { Caller } from '../../tasks/task-service.js';
import type { TaskRecord } from '../../tasks/task-record.js';
import type { AppDeps } from '../deps.js';
import { authenticate } from '../auth.js';
import { KEY_CACHE_TTL_MS } from '../../auth/key-cache.js';
import { presentTask, unknownTask } from '../present.js';
import { openEventStream, type EventStream } from '../sse.js';

export type Admit = (request: FastifyRequest, kind: 'query', options: { allowQueryKey: boolean }) => Promise<Caller>;

/** Tasks resent at most when a workspace stream resumes; older changes: list the tasks. */
export const RESUME_LIMIT = 100;
/** Per-task revisions a workspace stream remembers, to skip records it already sent. */
const REMEMBERED = 1024;
/** How often an open stream's key is checked again (the key cache's bound: one store read per key). */
const KEY_RECHECK_MS = KEY_CACHE_TTL_MS;

function lastEventId(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  const query = (request.query as Record<string, unknown> | undefined)?.last_event_id;
  const raw = typeof header === 'string' ? header : typeof query === 'string' ? query : undefined;
  // Anything but an id we handed out is treated as a fresh start.
  return raw !== undefined && /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
}

export function registerEventRoutes(app: FastifyInstance, deps: AppDeps & { feed: TaskFeed }, admit: Admit): void {
  const { feed } = deps;
  const open = new Set<EventStream>();
  app.addHook('preClose', (done) => {
    for (const stream of [...open]) stream.end();
    done();
  });

  const present = (task: TaskRecord, requestId: string) =>
    presentTask(task, requestId, (key, expiresAt) => deps.blobs.urlFor(key, expiresAt), deps.resultUrlTtlMs);
  const visible = (task: TaskRecord | undefined, workspaceId: string): task is TaskRecord =>
    task !== undefined && task.workspaceId === workspaceId && task.expiresAt > deps.clock.now();

  /** Opens the stream (or refuses at capacity); deliveries run one at a time, in order. */
  function start(request: FastifyRequest, reply: FastifyReply, caller: Caller, stopWatching: () => void) {
    const release = feed.admit(caller.workspaceId);
    if (!release) {
      stopWatching();
      throw Errors.tooManyStreams();
    }
    let recheck: NodeJS.Timeout | undefined;
    const stream = openEventStream(reply, {
      heartbeatMs: deps.push?.heartbeatMs ?? 15_000,
      onClose: () => {
        clearInterval(recheck);
        stopWatching();
        release();
        open.delete(stream);
      },
    });
    open.add(stream);
    // Without the rate limiter: the check is the server's, not the client's request.
    recheck = setInterval(() => {
      authenticate(request, deps.keys, { allowQueryKey: true }).then(
        (now) => now.workspaceId === caller.workspaceId || stream.end(),
        (err) => {
          if ((err as { status?: number }).status === 401 || (err as { status?: number }).status === 403) stream.end();
          else request.log.warn({ err }, 'checking an event stream key failed');
        },
      );
    }, KEY_RECHECK_MS);
    recheck.unref();
    let queue = Promise.resolve();
    const enqueue = (deliver: () => Promise<void>) => {
      queue = queue
        .then(() => (stream.closed ? undefined : deliver()))
        .catch((err) => {
          request.log.error({ err }, 'event stream delivery failed');
          stream.end();
        });
    };
    return { stream, enqueue };
  }

  app.get<{ Params: { id: string } }>('/api/v1/tasks/:id/events', async (request, reply) => {
    const caller = await admit(request, 'query', { allowQueryKey: true });
    if (deps.isDraining?.()) throw Errors.unavailable();
    const taskId = request.params.id;
    const since = lastEventId(request);
    let sent = since ?? -1;
    let deliver: (task: TaskRecord | undefined) => void = () => undefined;
    // Watch before the first read, so that no change falls between the two.
    const stopWatching = feed.watchTask(taskId, (task) => deliver(task));
    const first = await deps.tasks.get(taskId, caller.workspaceId);
    if (since !== undefined && (!first || (isTerminal(first.status) && first.revision <= since))) {
      stopWatching();
      return reply.code(204).send();
    }
    const { stream, enqueue } = start(request, reply, caller, stopWatching);
    deliver = (task) =>
      enqueue(async () => {
        if (!visible(task, caller.workspaceId)) {
          stream.send(taskId, 0, unknownTask(request.id, taskId));
          return stream.end();
        }
        if (task.revision <= sent) return;
        sent = task.revision;
        stream.send(taskId, task.revision, await present(task, request.id));
        if (isTerminal(task.status)) stream.end();
      });
    deliver(first);
    return reply;
  });

  app.get('/api/v1/tasks/events', async (request, reply) => {
    const caller = await admit(request, 'query', { allowQueryKey: true });
    if (deps.isDraining?.()) throw Errors.unavailable();
    const since = lastEventId(request);
    let newest = since ?? 0;
    const sentRevision = new Map<string, number>();
    let onTask: (task: TaskRecord) => void = () => undefined;
    let onResync: () => void = () => undefined;
    const stopWatching = feed.watchWorkspace(caller.workspaceId, { onTask: (t) => onTask(t), onResync: () => onResync() });
    const { stream, enqueue } = start(request, reply, caller, stopWatching);
    const send = async (task: TaskRecord) => {
      if (!visible(task, caller.workspaceId) || task.revision <= (sentRevision.get(task.id) ?? -1)) return;
      sentRevision.delete(task.id);
      sentRevision.set(task.id, task.revision);
      if (sentRevision.size > REMEMBERED) sentRevision.delete(sentRevision.keys().next().value!);
      newest = Math.max(newest, task.revision);
      stream.send(task.id, task.revision, await present(task, request.id));
    };
    const backfill = (after: number) =>
      enqueue(async () => {
        for (const task of await deps.tasks.changedSince(caller.workspaceId, after, RESUME_LIMIT)) await send(task);
      });
    onTask = (task) => enqueue(() => send(task));
    onResync = () => backfill(newest);
    if (since !== undefined) backfill(since);
    return reply;
  });
}
