/**
 * The live task list: filters and paging as in `GET /api/v1/tasks`, updated without reload (the
 * workspace event stream where the server has one, polling otherwise), result thumbnails, the
 * engine that ran each task (the `retouch` object, when the server sends it), cancel for PENDING.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatListTime, isTerminal, TASK_STATUSES, type TaskListItem, type TaskStatus } from '@retouch/sdk/protocol';
import { formatTime, useApp } from '../app-context.js';
import { describeError, type RetouchInfo, type TaskBody } from '../api.js';
import { followTaskEvents } from '../events.js';
import { StatusBadge } from './task-view.js';

const POLL_MS = 2000;
type Item = TaskListItem & { retouch?: RetouchInfo };

interface Filters {
  status: string;
  model: string;
  taskId: string;
  from: string;
  to: string;
  pageSize: number;
}

/** `datetime-local` value (viewer's zone) → the list API's `YYYYMMDDhhmmss` (Beijing time). */
const toListTime = (value: string) => (value ? formatListTime(new Date(value).getTime()) : undefined);

export function TasksPage() {
  const { client, apiKey, t, navigate } = useApp();
  const [draft, setDraft] = useState<Filters>({ status: '', model: '', taskId: '', from: '', to: '', pageSize: 10 });
  const [filters, setFilters] = useState(draft);
  const [pageNo, setPageNo] = useState(1);
  const [page, setPage] = useState<{ items: Item[]; total: number; pages: number } | undefined>();
  const [details, setDetails] = useState<Record<string, TaskBody>>({});
  const [live, setLive] = useState(false);
  const [error, setError] = useState('');
  const refresh = useRef<() => void>(() => undefined);
  const detailsRef = useRef(details);
  detailsRef.current = details;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const res = await client.listTasks({
          pageNo,
          pageSize: filters.pageSize,
          ...(filters.status ? { status: filters.status as TaskStatus } : {}),
          ...(filters.model ? { modelName: filters.model } : {}),
          ...(filters.taskId ? { taskId: filters.taskId.trim() } : {}),
          ...(filters.from ? { startTime: toListTime(filters.from) } : {}),
          ...(filters.to ? { endTime: toListTime(filters.to) } : {}),
        });
        if (stopped) return;
        setError('');
        setPage({ items: res.data as Item[], total: res.total, pages: res.total_page });
        // Details (results for thumbnails, the engine) for tasks not yet settled in our cache.
        const stale = res.data.filter((it) => {
          const known = detailsRef.current[it.task_id];
          return !known || known.output.task_status !== it.status || !isTerminal(it.status);
        });
        const fetched = await Promise.all(stale.map((it) => client.getTask(it.task_id).catch(() => undefined)));
        if (!stopped) setDetails((d) => Object.assign({ ...d }, ...fetched.filter(Boolean).map((b) => ({ [b!.output.task_id]: b as TaskBody }))));
      } catch (err) {
        if (!stopped) setError(describeError(err));
      }
    };
    const poll = async () => {
      if (!document.hidden) await load();
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    refresh.current = () => void load();
    const abort = new AbortController();
    void load();
    // Events first; when the server has none (or the stream ends), poll.
    void followTaskEvents(
      apiKey,
      () => void load(),
      abort.signal,
      () => setLive(true),
    ).then(() => {
      setLive(false);
      if (!stopped) void poll();
    });
    return () => {
      stopped = true;
      abort.abort();
      clearTimeout(timer);
    };
  }, [client, filters, pageNo]);

  const cancel = async (id: string) => {
    try {
      await client.cancelTask(id);
      refresh.current();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const field = (key: keyof Filters) => ({
    value: String(draft[key]),
    onInput: (e: Event) =>
      setDraft({ ...draft, [key]: key === 'pageSize' ? Number((e.currentTarget as HTMLInputElement).value) : (e.currentTarget as HTMLInputElement).value }),
  });

  return (
    <section class="card" aria-labelledby="tasks-title">
      <h1 id="tasks-title">{t.tasksTitle}</h1>
      <p class="muted" aria-live="polite" data-testid="update-mode">
        {live ? t.live : t.polling}
      </p>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setPageNo(1);
          setFilters(draft);
        }}
      >
        <div>
          <label for="f-status">{t.filterStatus}</label>
          <select id="f-status" {...field('status')} onChange={field('status').onInput}>
            <option value="">{t.any}</option>
            {TASK_STATUSES.filter((s) => s !== 'UNKNOWN').map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-model">{t.filterModel}</label>
          <input id="f-model" {...field('model')} />
        </div>
        <div>
          <label for="f-id">{t.filterTaskId}</label>
          <input id="f-id" {...field('taskId')} />
        </div>
        <div>
          <label for="f-from">{t.from}</label>
          <input id="f-from" type="datetime-local" step={1} {...field('from')} />
        </div>
        <div>
          <label for="f-to">{t.to}</label>
          <input id="f-to" type="datetime-local" step={1} {...field('to')} />
        </div>
        <div>
          <label for="f-size">{t.pageSize}</label>
          <select id="f-size" {...field('pageSize')} onChange={field('pageSize').onInput}>
            {[10, 20, 50, 100].map((v) => (
              <option value={String(v)}>{v}</option>
            ))}
          </select>
        </div>
        <button type="submit">{t.apply}</button>
      </form>
      <p class="hint">{t.windowHint}</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {page && page.items.length === 0 && <p class="empty">{t.noTasks}</p>}
      {page && page.items.length > 0 && (
        <div class="table-wrap">
          <table class="tasks">
            <thead>
              <tr>
                <th scope="col">{t.colTask}</th>
                <th scope="col">{t.colState}</th>
                <th scope="col">{t.colModel}</th>
                <th scope="col">{t.colEngine}</th>
                <th scope="col">{t.colTimes}</th>
                <th scope="col">{t.colPreview}</th>
                <th scope="col">{t.colActions}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((it) => {
                const body = details[it.task_id];
                const retouch = it.retouch ?? body?.retouch;
                const thumbs = (body?.output.results ?? []).filter((r) => r.url).slice(0, 4);
                return (
                  <tr key={it.task_id} data-task-id={it.task_id} data-status={it.status}>
                    <td>
                      <a href={`#/tasks/${encodeURIComponent(it.task_id)}`}>
                        <code>{it.task_id.slice(0, 8)}</code>
                        <span class="sr-only">{it.task_id}</span>
                      </a>
                    </td>
                    <td>
                      <StatusBadge status={it.status} />
                    </td>
                    <td>{retouch?.route ?? it.model_name}</td>
                    <td>{retouch?.engine ?? '—'}</td>
                    <td class="times">
                      {formatTime(it.gmt_create)}
                      <br />
                      {formatTime(it.end_time)}
                    </td>
                    <td class="thumbs-cell">
                      {thumbs.map((r, i) => (
                        <img src={r.url} alt={`${it.task_id.slice(0, 8)} #${i + 1}`} loading="lazy" />
                      ))}
                    </td>
                    <td>
                      <div class="row-actions">
                        <button type="button" onClick={() => navigate(`#/tasks/${encodeURIComponent(it.task_id)}`)}>
                          {t.details}
                          <span class="sr-only"> {it.task_id}</span>
                        </button>
                        {it.status === 'PENDING' && (
                          <button type="button" class="danger" onClick={() => cancel(it.task_id)}>
                            {t.cancel}
                            <span class="sr-only"> {it.task_id}</span>
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {page && (
        <nav class="pager" aria-label={t.page(pageNo, page.pages, page.total)}>
          <button type="button" disabled={pageNo <= 1} onClick={() => setPageNo(pageNo - 1)}>
            {t.prev}
          </button>
          <span>{t.page(pageNo, page.pages, page.total)}</span>
          <button type="button" disabled={pageNo >= page.pages} onClick={() => setPageNo(pageNo + 1)}>
            {t.next}
          </button>
        </nav>
      )}
    </section>
  );
}
