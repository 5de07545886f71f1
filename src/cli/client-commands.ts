/**
 * Client commands, built on the SDK: `retouch edit` and `retouch tasks list|get|wait|cancel`.
 * Waiting long-polls where the server supports it, and creates carry an Idempotency-Key (see
 * docs/sdk.md), both through the SDK.
 * Server and key: `--server`/`--key`, else RETOUCH_SERVER or DASHSCOPE_HTTP_BASE_URL, and
 * DASHSCOPE_API_KEY. Exit codes: see exit.ts.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import {
  isRequestProblem,
  validateCreateRequest,
  isTaskStatus,
  parseListTime,
  MODEL_WAN25_I2I,
  type CreateTaskParameters,
  type GetTaskResponse,
} from '@retouch/sdk/protocol';
import { createClient, type RetouchClient, type DownloadReport, type ImageOutcome } from '@retouch/sdk';
import { exitCodeFor, ExitCode, UsageError } from './exit.js';
import { runLocalEdit } from './local-edit.js';
import { createProgress, type ProgressMode } from './progress.js';
import { makeDirSync } from '../make-dir.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export interface ConnectionOptions {
  server?: string;
  key?: string;
  workspace?: string;
  json?: boolean;
}

export function connect(options: ConnectionOptions): RetouchClient {
  const server = options.server ?? process.env.RETOUCH_SERVER ?? process.env.DASHSCOPE_HTTP_BASE_URL ?? DEFAULT_SERVER;
  const apiKey = options.key ?? process.env.DASHSCOPE_API_KEY;
  if (!apiKey) throw new UsageError('no API key: pass --key or set DASHSCOPE_API_KEY');
  try {
    return createClient({ baseUrl: server, apiKey, workspace: options.workspace });
  } catch {
    throw new UsageError(`--server must be an http(s) URL, got "${server}"`);
  }
}

export const withConnection = (cmd: Command) =>
  cmd
    .option('--server <url>', `retouch or DashScope base URL (RETOUCH_SERVER, DASHSCOPE_HTTP_BASE_URL; default ${DEFAULT_SERVER})`)
    .option('--key <key>', 'API key (DASHSCOPE_API_KEY)')
    .option('--workspace <id>', 'sent as X-DashScope-WorkSpace')
    .option('--json', 'print one JSON document for scripts, no progress');

const integer = (name: string) => (value: string) => {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${name} must be an integer, got "${value}"`);
  return Number(value);
};

/** The list API's own limits, checked here so that a bad flag is a usage error (exit 2). */
const integerIn =
  (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string) => {
    const n = integer(name)(value);
    if (n < min || n > max)
      throw new UsageError(`${name} must be ${max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`}, got ${n}`);
    return n;
  };

const listTime = (name: string) => (value: string) => {
  if (parseListTime(value) === undefined) throw new UsageError(`${name} must be a Beijing time like 20230420193058 (YYYYMMDDhhmmss), got "${value}"`);
  return value;
};

/**
 * `-o` names a directory (made if missing). A file there, or on the way to it, is a usage error
 * before anything is submitted, not a failed mkdir after the task ran.
 */
function outputDirectory(output: string): string {
  const dir = resolve(output);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (err) {
    isDirectory = (err as NodeJS.ErrnoException).code !== 'ENOTDIR'; // ENOENT: made later
  }
  if (!isDirectory) throw new UsageError(`-o ${output}: not a directory (-o names the directory the results are saved in)`);
  return dir;
}

function progressMode(json: boolean | undefined): ProgressMode {
  if (json) return 'silent';
  return process.stdout.isTTY ? 'tty' : 'lines';
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Ctrl-C stops waiting (the task itself goes on on the server). */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  return controller.signal;
}

function summary(task: GetTaskResponse, images: readonly ImageOutcome[]) {
  const o = task.output;
  const saved = images.filter((i) => i.ok).length;
  return {
    task_id: o.task_id,
    task_status: o.task_status,
    ...(o.code ? { code: o.code, message: o.message } : {}),
    task_metrics: o.task_metrics,
    saved,
    failed: images.length - saved,
    images: images.map((i) =>
      i.ok ? { index: i.index, ok: true, path: i.path, url: i.url } : { index: i.index, ok: false, code: i.code, message: i.message },
    ),
  };
}

interface EditFlags extends ConnectionOptions {
  prompt: string;
  negativePrompt?: string;
  n?: number;
  size?: string;
  seed?: number;
  watermark?: boolean;
  promptExtend: boolean;
  output: string;
  model: string;
  local?: boolean;
  timeout?: number;
  idempotencyKey?: string;
}

async function editCommand(images: string[], flags: EditFlags): Promise<number> {
  const parameters: Record<string, unknown> = { prompt_extend: flags.promptExtend, watermark: flags.watermark ?? false };
  if (flags.n !== undefined) parameters.n = flags.n;
  if (flags.size !== undefined) parameters.size = flags.size;
  if (flags.seed !== undefined) parameters.seed = flags.seed;
  const body = { model: flags.model, input: { prompt: flags.prompt, images, negative_prompt: flags.negativePrompt ?? '' }, parameters };
  // The server's rules, checked here first: a bad flag is a usage error (exit 2), not a server error.
  const checked = validateCreateRequest(body);
  if (isRequestProblem(checked)) throw new UsageError(checked.message);

  const outputDir = outputDirectory(flags.output);
  // Made before anything is submitted: a directory that cannot be made fails now, not after the task ran.
  makeDirSync(outputDir);
  const progress = createProgress(progressMode(flags.json));
  const signal = interruptSignal();

  if (flags.local) {
    const result = await runLocalEdit(checked, outputDir, progress, signal);
    const saved = result.images.filter((i) => i.ok).length;
    const failed = result.images.length - saved;
    progress.done({ task: result.taskId, state: result.status, saved, failed, code: result.code, message: result.message });
    if (flags.json) {
      printJson({
        task_id: result.taskId,
        task_status: result.status,
        ...(result.code ? { code: result.code, message: result.message } : {}),
        saved,
        failed,
        images: result.images.map((i) => (i.ok ? { index: i.index, ok: true, path: i.path } : { index: i.index, ok: false, code: i.code, message: i.message })),
      });
    }
    return exitCodeFor(result.status, saved, failed);
  }

  const client = connect(flags);
  try {
    const result = await client.edit({
      model: flags.model,
      prompt: flags.prompt,
      images,
      negativePrompt: flags.negativePrompt,
      parameters: parameters as CreateTaskParameters,
      signal,
      timeoutMs: flags.timeout !== undefined ? flags.timeout * 1000 : undefined,
      idempotencyKey: flags.idempotencyKey,
      onSubmitted: (id) => progress.submitted(id),
      onProgress: (task) => progress.status(task),
      outputDir,
      download: { onImage: (outcome) => progress.image(outcome) },
    });
    const images_ = result.download?.images ?? [];
    const s = summary(result.task, images_);
    progress.done({
      task: result.taskId,
      state: result.status,
      saved: s.saved,
      failed: s.failed,
      code: result.task.output.code,
      message: result.task.output.message,
    });
    if (flags.json) printJson(s);
    return exitCodeFor(result.status, s.saved, s.failed);
  } catch (err) {
    progress.stop();
    throw err;
  }
}

async function waitCommand(taskId: string, flags: ConnectionOptions & { output?: string; timeout?: number }): Promise<number> {
  const client = connect(flags);
  const outputDir = flags.output !== undefined ? outputDirectory(flags.output) : undefined;
  const progress = createProgress(progressMode(flags.json));
  progress.submitted(taskId, 'waiting');
  try {
    const task = await client.waitForTask(taskId, {
      signal: interruptSignal(),
      timeoutMs: flags.timeout !== undefined ? flags.timeout * 1000 : undefined,
      onProgress: (t) => progress.status(t),
    });
    let report: DownloadReport | undefined;
    if (outputDir && task.output.task_status === 'SUCCEEDED') {
      report = await client.downloadResults(task, outputDir, { onImage: (o) => progress.image(o) });
    }
    const results = task.output.results ?? [];
    const images: ImageOutcome[] =
      report?.images.slice() ??
      results.map((r, index): ImageOutcome =>
        r.url ? { index, ok: true, url: r.url, path: '', bytes: 0 } : { index, ok: false, code: r.code ?? 'Unknown', message: r.message ?? '' },
      );
    const s = summary(task, images);
    progress.done({
      task: taskId,
      state: task.output.task_status,
      saved: report ? s.saved : undefined,
      succeeded: report ? undefined : s.saved,
      failed: s.failed,
      code: task.output.code,
      message: task.output.message,
    });
    if (flags.json) printJson({ ...task, ...(report ? { download: s.images } : {}) });
    return exitCodeFor(task.output.task_status, s.saved, s.failed);
  } catch (err) {
    progress.stop();
    throw err;
  }
}

export function registerClientCommands(program: Command): void {
  withConnection(
    program
      .command('edit')
      .description('Edit images with an instruction: submit, show progress, download the results.')
      .argument('<image...>', '1-3 input images: local files, http(s) URLs, data URIs or oss:// keys')
      .requiredOption('-p, --prompt <instruction>', 'the edit instruction (English or Chinese)')
      .option('--negative-prompt <text>', 'what to avoid')
      .option('-n, --n <count>', 'number of output images, 1-4 (server default 4)', integer('-n'))
      .option('--size <W*H>', 'output size, e.g. 1280*720 (default: about 1280*1280 at the input aspect ratio)')
      .option('--seed <seed>', 'seed, 0-2147483647 (image i uses seed+i)', integer('--seed'))
      .option('--watermark', 'add the "AI生成" mark bottom-right')
      .option('--no-prompt-extend', 'do not rewrite the prompt')
      .option('-o, --output <dir>', 'where to save results', '.')
      .option('--model <name>', 'model', MODEL_WAN25_I2I)
      .option('--timeout <seconds>', 'stop waiting after this long (exit 1)', integer('--timeout'))
      .option('--idempotency-key <key>', 'reuse a key to resubmit safely: the same key and request within 24 h give the same task (default: a fresh key)')
      .option('--local', 'run the built-in engine in this process, without a server'),
  )
    .addHelpText(
      'after',
      `
Output (not a TTY): one line per event, e.g.
  submitted task=<id>
  status task=<id> state=RUNNING succeeded=0 failed=0 total=2 elapsed=0.6s
  saved index=0 path=/abs/out/<id>-0.png
  failed index=1 code=InternalError.Algo message="…"
  done task=<id> state=SUCCEEDED saved=1 failed=1 elapsed=1.4s

Exit codes: 0 all saved · 3 some images failed · 4 task FAILED/CANCELED/UNKNOWN · 2 usage · 1 other errors

Examples:
  export DASHSCOPE_API_KEY=sk-…
  npx retouch edit photo.jpg -p "convert to black and white" -n 1 -o out/
  npx retouch edit a.png b.png -p "put the object of image 2 into image 1" --size 1280*720 --seed 42
  npx retouch edit photo.jpg -p "把图片旋转90度" --local -o out/
  npx retouch edit https://example.com/a.jpg -p "crop to a square" --server https://dashscope.aliyuncs.com/api/v1 --json`,
    )
    .action(async (images: string[], flags: EditFlags) => {
      process.exitCode = await editCommand(images, flags);
    });

  const tasks = program.command('tasks').description('List, inspect, wait for and cancel tasks.');

  withConnection(
    tasks
      .command('list')
      .description("List the workspace's tasks (default: the last 24 hours).")
      .addOption(new Option('--status <status>', 'only tasks in this state').choices(['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED']))
      .option('--model <name>', 'only this model')
      .option('--start <YYYYMMDDhhmmss>', 'from (Beijing time)', listTime('--start'))
      .option('--end <YYYYMMDDhhmmss>', 'to (Beijing time; at most 24 h after --start)', listTime('--end'))
      .option('--page <n>', 'page number', integerIn('--page', 1), 1)
      .option('--page-size <n>', 'tasks per page (max 100)', integerIn('--page-size', 1, 100), 10),
  )
    .addHelpText('after', '\nExamples:\n  npx retouch tasks list\n  npx retouch tasks list --status FAILED --page-size 50 --json\n')
    .action(async (flags: ConnectionOptions & { status?: string; model?: string; start?: string; end?: string; page: number; pageSize: number }) => {
      const page = await connect(flags).listTasks({
        status: flags.status !== undefined && isTaskStatus(flags.status) ? flags.status : undefined,
        modelName: flags.model,
        startTime: flags.start,
        endTime: flags.end,
        pageNo: flags.page,
        pageSize: flags.pageSize,
      });
      if (flags.json) return printJson(page);
      for (const t of page.data) {
        process.stdout.write(`${t.task_id}\t${t.status}\t${t.model_name}\t${new Date(t.gmt_create).toISOString()}\n`);
      }
      process.stdout.write(`page ${page.page_no}/${Math.max(1, page.total_page)}, ${page.total} task(s)\n`);
    });

  withConnection(tasks.command('get <task-id>').description('Show a task once (state, times, results).'))
    .addHelpText(
      'after',
      '\nExamples:\n  npx retouch tasks get 0385dc79-5ff8-4d82-bcb6-0123456789ab\n  npx retouch tasks get <id> --json | jq .output.results\n',
    )
    .action(async (taskId: string, flags: ConnectionOptions) => {
      const task = await connect(flags).getTask(taskId);
      const o = task.output;
      if (flags.json) printJson(task);
      else {
        const m = o.task_metrics;
        process.stdout.write(`task ${o.task_id} ${o.task_status}${m ? ` (${m.SUCCEEDED}/${m.TOTAL} succeeded, ${m.FAILED} failed)` : ''}\n`);
        for (const [k, v] of [
          ['submitted', o.submit_time],
          ['started', o.scheduled_time],
          ['ended', o.end_time],
        ] as const) {
          if (v) process.stdout.write(`  ${k} ${v}\n`);
        }
        if (o.code) process.stdout.write(`  ${o.code}: ${o.message}\n`);
        (o.results ?? []).forEach((r, i) => process.stdout.write(r.url ? `  [${i}] ${r.url}\n` : `  [${i}] ${r.code}: ${r.message}\n`));
      }
      process.exitCode = ['FAILED', 'CANCELED', 'UNKNOWN'].includes(o.task_status) ? ExitCode.taskFailed : ExitCode.ok;
    });

  withConnection(
    tasks
      .command('wait <task-id>')
      .description('Wait until a task settles; optionally download its results.')
      .option('-o, --output <dir>', 'save the results there')
      .option('--timeout <seconds>', 'stop waiting after this long (exit 1)', integer('--timeout')),
  )
    .addHelpText(
      'after',
      '\nExit codes as for `retouch edit`.\n\nExamples:\n  npx retouch tasks wait <id>\n  npx retouch tasks wait <id> -o out/ --timeout 120\n',
    )
    .action(async (taskId: string, flags: ConnectionOptions & { output?: string; timeout?: number }) => {
      process.exitCode = await waitCommand(taskId, flags);
    });

  withConnection(tasks.command('cancel <task-id>').description('Cancel a PENDING task (running ones finish).'))
    .addHelpText('after', '\nExample:\n  npx retouch tasks cancel <id>\n')
    .action(async (taskId: string, flags: ConnectionOptions) => {
      const res = await connect(flags).cancelTask(taskId);
      if (flags.json) printJson({ task_id: taskId, canceled: true, request_id: res.request_id });
      else process.stdout.write(`canceled ${taskId}\n`);
    });
}
