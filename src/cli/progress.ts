/**
 * Progress output of `retouch edit` and `retouch tasks wait`.
 *
 * Not a TTY (pipes, CI, logs): one line per event, `<event> key=value …`, values with spaces
 * in double quotes — stable enough to parse:
 *
 *   submitted task=<id>               (`tasks wait`: waiting task=<id>)
 *   status task=<id> state=RUNNING elapsed=1.2s succeeded=0 failed=0 total=2
 *   saved index=0 path=/abs/out/<id>-0.png
 *   failed index=1 code=InternalError.Algo message="…"
 *   done task=<id> state=SUCCEEDED elapsed=2.3s saved=1 failed=1
 *
 * A TTY: the status is one line redrawn in place, with saved/failed lines printed above it.
 * `--json`: nothing until the end, then one JSON document.
 */
import type { GetTaskResponse } from '@retouch/sdk/protocol';
import type { ImageOutcome } from '@retouch/sdk';

export type ProgressMode = 'lines' | 'tty' | 'silent';

export function formatValue(value: string | number): string {
  const s = String(value);
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}

export function eventLine(event: string, fields: Record<string, string | number | undefined>): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v!)}`);
  return [event, ...parts].join(' ');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export interface Progress {
  /** The task to follow: `submitted` by `edit`, `waiting` for by `tasks wait`. */
  submitted(taskId: string, event?: 'submitted' | 'waiting'): void;
  status(task: GetTaskResponse): void;
  image(outcome: ImageOutcome): void;
  done(fields: Record<string, string | number | undefined>): void;
  /** Clears the redrawn line (before an error message). */
  stop(): void;
}

export function createProgress(mode: ProgressMode, out: NodeJS.WritableStream = process.stdout, start = Date.now()): Progress {
  let taskId = '';
  let last = '';
  let current = { state: 'SUBMITTING', metrics: '' };
  let timer: NodeJS.Timeout | undefined;
  const elapsed = () => seconds(Date.now() - start);
  const redraw = () => out.write(`\r\x1b[K${current.state} ${elapsed()}${current.metrics} ${taskId}`);
  const print = (line: string) => {
    if (mode === 'silent') return;
    if (mode === 'tty') {
      out.write(`\r\x1b[K${line}\n`);
      redraw();
    } else out.write(`${line}\n`);
  };

  return {
    submitted(id, event = 'submitted') {
      taskId = id;
      print(eventLine(event, { task: id }));
      if (mode === 'tty' && !timer) {
        timer = setInterval(redraw, 200);
        timer.unref();
      }
    },
    status(task) {
      const o = task.output;
      const m = o.task_metrics;
      if (mode === 'tty') {
        current = { state: o.task_status, metrics: m ? ` · ${m.SUCCEEDED}/${m.TOTAL} done${m.FAILED ? `, ${m.FAILED} failed` : ''}` : '' };
        redraw();
        return;
      }
      const line = eventLine('status', { task: o.task_id, state: o.task_status, succeeded: m?.SUCCEEDED, failed: m?.FAILED, total: m?.TOTAL });
      // Only changes are printed; elapsed goes last so it does not defeat the comparison.
      if (line !== last) {
        last = line;
        print(`${line} elapsed=${elapsed()}`);
      }
    },
    image(outcome) {
      if (outcome.ok) print(eventLine('saved', { index: outcome.index, path: outcome.path }));
      else print(eventLine('failed', { index: outcome.index, code: outcome.code, message: outcome.message }));
    },
    done(fields) {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (mode === 'tty') out.write('\r\x1b[K');
      if (mode !== 'silent') out.write(`${eventLine('done', { ...fields, elapsed: elapsed() })}\n`);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (mode === 'tty') out.write('\r\x1b[K');
    },
  };
}
