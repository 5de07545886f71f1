/** Maps task records to the protocol's wire shapes (times in UTC+8, signed result URLs). */
import {
  type StoredTaskStatus,
  type GetTaskResponse,
  type RetouchInfo,
  type TaskListItem,
  type TaskMetrics,
  type TaskOutput,
  type TaskResultItem,
  formatTaskTime,
} from '@retouch/sdk/protocol';
import type { TaskRecord } from '../tasks/task-record.js';

export type UrlFor = (blobKey: string, expiresAt: number) => Promise<string>;

function metrics(task: TaskRecord): TaskMetrics {
  let succeeded = 0;
  let failed = 0;
  for (const r of task.results) {
    if (r?.ok) succeeded++;
    else if (r) failed++;
  }
  return { TOTAL: task.n, SUCCEEDED: succeeded, FAILED: failed };
}

/** A task waiting on an upstream task that is still queued there is, for the client, still PENDING. */
function shownStatus(task: TaskRecord): StoredTaskStatus {
  return task.status === 'RUNNING' && task.upstream?.status === 'PENDING' ? 'PENDING' : task.status;
}

function retouchInfo(task: TaskRecord): { retouch?: RetouchInfo } {
  return task.engine === undefined ? {} : { retouch: { route: task.model, engine: task.engine } };
}

export function unknownTask(requestId: string, taskId: string): GetTaskResponse {
  return { request_id: requestId, output: { task_id: taskId, task_status: 'UNKNOWN' } };
}

export async function presentTask(task: TaskRecord, requestId: string, urlFor: UrlFor, urlTtlMs: number): Promise<GetTaskResponse> {
  const status = shownStatus(task);
  const output: TaskOutput = {
    task_id: task.id,
    task_status: status,
    submit_time: formatTaskTime(task.submitTime),
  };
  if (task.scheduledTime !== undefined && status !== 'PENDING' && status !== 'CANCELED') {
    output.scheduled_time = formatTaskTime(task.scheduledTime);
  }
  if (task.endTime !== undefined) output.end_time = formatTaskTime(task.endTime);

  const extra = retouchInfo(task);
  switch (status) {
    case 'PENDING':
    case 'CANCELED':
      return { request_id: requestId, output, ...extra };
    case 'RUNNING':
      output.task_metrics = metrics(task);
      return { request_id: requestId, output, ...extra };
    case 'FAILED':
      output.code = task.code;
      output.message = task.message;
      output.task_metrics = metrics(task);
      return { request_id: requestId, output, ...extra };
    case 'SUCCEEDED': {
      const expiresAt = (task.endTime ?? task.submitTime) + urlTtlMs;
      output.results = await Promise.all(
        task.results.map(async (r): Promise<TaskResultItem> => {
          if (!r) return { code: 'InternalError', message: 'This image was not produced.' };
          if (!r.ok) return { code: r.code, message: r.message };
          const item: TaskResultItem = { orig_prompt: task.prompt };
          if (task.promptExtend && r.actualPrompt !== undefined) item.actual_prompt = r.actualPrompt;
          item.url = await urlFor(r.blobKey, expiresAt);
          return item;
        }),
      );
      const m = metrics(task);
      output.task_metrics = m;
      return { request_id: requestId, output, usage: { image_count: m.SUCCEEDED }, ...extra };
    }
  }
}

export function presentListItem(task: TaskRecord): TaskListItem {
  const item: TaskListItem = {
    api_key_id: task.apiKeyId,
    caller_parent_id: task.workspaceId,
    caller_uid: task.workspaceId,
    gmt_create: task.submitTime,
    model_name: task.model,
    region: 'local',
    request_id: task.requestId,
    status: shownStatus(task),
    task_id: task.id,
    user_api_unique_key: `apikey:v1:aigc:image2image:image-synthesis:${task.model}`,
    ...retouchInfo(task),
  };
  if (task.scheduledTime !== undefined) item.start_time = task.scheduledTime;
  if (task.endTime !== undefined) item.end_time = task.endTime;
  return item;
}
