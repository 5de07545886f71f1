/**
 * One task, followed until it settles (the SDK's waitForTask, which uses the server's completion
 * signal when it has one): state, per-image progress, the plan (actual_prompt), per-image
 * failures with code and message, results with download, compare and "edit again".
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { isTerminal } from '@retouch/sdk/protocol';
import { useApp } from '../app-context.js';
import { describeError, type TaskBody } from '../api.js';
import type { PickedImage } from '../images.js';
import { Commands, type SubmittedRequest } from './commands.js';
import { Compare } from './compare.js';

/** Tasks submitted in this tab: their inputs (for comparison) and request (for the commands). */
export const sessionTasks = new Map<string, { inputs: PickedImage[]; request: SubmittedRequest }>();

export function StatusBadge(props: { status: string }) {
  return <span class={`badge s-${props.status.toLowerCase()}`}>{props.status}</span>;
}

export function TaskView(props: { taskId: string; headingLevel?: 2 | 3 }) {
  const { client, t, editAgain } = useApp();
  const [task, setTask] = useState<TaskBody | undefined>();
  const [error, setError] = useState('');
  const [compareIndex, setCompareIndex] = useState(0);
  const downloads = useRef<HTMLAnchorElement[]>([]);
  const session = sessionTasks.get(props.taskId);

  useEffect(() => {
    const abort = new AbortController();
    setTask(undefined);
    setError('');
    client
      .waitForTask(props.taskId, { signal: abort.signal, initialIntervalMs: 400, maxIntervalMs: 2000, onProgress: (body) => setTask(body) })
      .then((body) => setTask(body))
      .catch((err) => abort.signal.aborted || setError(describeError(err)));
    return () => abort.abort();
  }, [props.taskId]);

  const H = props.headingLevel === 3 ? 'h3' : 'h2';
  const out = task?.output;
  // Before the first answer only a task submitted in this tab is known (to be PENDING).
  const known = out?.task_status ?? (session ? 'PENDING' : undefined);
  const status = known ?? 'PENDING';
  const results = out?.results ?? [];
  const metrics = out?.task_metrics;
  const total = metrics?.TOTAL ?? session?.request.n ?? results.length;
  const plan = results.find((r) => r.actual_prompt)?.actual_prompt;
  const ok = results.map((r, i) => ({ ...r, index: i })).filter((r) => r.url);
  const filename = (i: number) => `${props.taskId}-${i + 1}.png`;

  const cancel = async () => {
    try {
      await client.cancelTask(props.taskId);
      setTask(await client.getTask(props.taskId));
    } catch (err) {
      setError(describeError(err));
    }
  };
  const again = async (url: string, i: number) => {
    const blob = await (await fetch(url)).blob();
    editAgain(new File([blob], filename(i), { type: blob.type || 'image/png' }), session?.request.prompt ?? results[i]?.orig_prompt ?? '');
  };

  return (
    <section class="card task" aria-labelledby={`task-${props.taskId}`} data-task-id={props.taskId}>
      <H id={`task-${props.taskId}`}>
        {t.task} <code>{props.taskId}</code>
      </H>
      <p aria-live="polite" class="status-line">
        {t.status}: {known ? <StatusBadge status={known} /> : !error && <span class="muted">{t.loading}</span>}
        {task?.retouch?.engine && (
          <span class="muted">
            {' '}
            · {task.retouch.route} → {task.retouch.engine}
          </span>
        )}
        {known === 'PENDING' && (
          <button type="button" class="danger" onClick={cancel}>
            {t.cancel}
          </button>
        )}
      </p>
      {total > 0 && status !== 'CANCELED' && (
        <div class="progress">
          <progress
            max={total}
            value={(metrics?.SUCCEEDED ?? 0) + (metrics?.FAILED ?? 0)}
            aria-label={t.progress(metrics?.SUCCEEDED ?? 0, metrics?.FAILED ?? 0, total)}
          />
          <span>{t.progress(metrics?.SUCCEEDED ?? 0, metrics?.FAILED ?? 0, total)}</span>
        </div>
      )}
      {status === 'UNKNOWN' && (
        <p class="muted" data-testid="task-unknown">
          {t.unknownTask}
        </p>
      )}
      {out?.code && (
        <p class="error" role="alert" data-testid="task-error">
          <strong>{out.code}</strong>: {out.message}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {isTerminal(status) && status === 'SUCCEEDED' && (
        <div class="plan">
          <h4>{t.plan}</h4>
          <p data-testid="plan">{plan ?? results[0]?.orig_prompt ?? '—'}</p>
        </div>
      )}
      {known && !isTerminal(known) && <p class="muted">{t.planPending}</p>}
      {results.length > 0 && (
        <ol class="results">
          {results.map((r, i) =>
            r.url ? (
              <li key={i} data-result={i}>
                <img src={r.url} alt={t.result(i + 1)} loading="lazy" />
                <div class="row-actions">
                  <a
                    class="button"
                    href={r.url}
                    download={filename(i)}
                    ref={(el) => {
                      if (el) downloads.current[i] = el;
                    }}
                  >
                    {t.download} <span class="sr-only">{t.result(i + 1)}</span>
                  </a>
                  <button type="button" onClick={() => again(r.url!, i)}>
                    {t.editAgain} <span class="sr-only">{t.result(i + 1)}</span>
                  </button>
                </div>
              </li>
            ) : (
              <li key={i} class="bad" data-result={i}>
                <p class="error">
                  {t.failedImage(i + 1)} — <strong>{r.code}</strong>: {r.message}
                </p>
              </li>
            ),
          )}
        </ol>
      )}
      {ok.length > 1 && (
        <button type="button" onClick={() => downloads.current.forEach((a) => a?.click())}>
          {t.downloadAll}
        </button>
      )}
      {ok.length > 0 &&
        (session?.inputs[0] ? (
          <>
            {ok.length > 1 && (
              <div>
                <label for={`compare-with-${props.taskId}`}>{t.compareWith}</label>
                <select id={`compare-with-${props.taskId}`} value={String(compareIndex)} onChange={(e) => setCompareIndex(Number(e.currentTarget.value))}>
                  {ok.map((r, k) => (
                    <option value={String(k)}>{t.result(r.index + 1)}</option>
                  ))}
                </select>
              </div>
            )}
            <Compare
              before={session.inputs[0].previewUrl}
              after={ok[Math.min(compareIndex, ok.length - 1)]!.url!}
              label={t.result(ok[Math.min(compareIndex, ok.length - 1)]!.index + 1)}
            />
          </>
        ) : (
          <p class="muted">{t.noBefore}</p>
        ))}
      {session && <Commands request={session.request} />}
    </section>
  );
}
