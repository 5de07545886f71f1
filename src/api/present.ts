/** Maps task records to the protocol's wire shapes (times in UTC+8, signed result URLs). */
import type { GetTaskResponse, TaskListItem, TaskMetrics, TaskOutput, TaskResultItem } from '../protocol/wire.js';
import { formatTaskTime } from '../protocol/time.js';
import type { TaskRecord } from '../tasks/task-store.js';

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

export function unknownTask(requestId: string, taskId: string): GetTaskResponse {
  return { request_id: requestId, output: { task_id: taskId, task_status: 'UNKNOWN' } };
}

export async function presentTask(task: TaskRecord, requestId: string, urlFor: UrlFor, urlTtlMs: number): Promise<GetTaskResponse> {
  const output: TaskOutput = {
    task_id: task.id,
    task_status: task.status,
    submit_time: formatTaskTime(task.submitTime),
  };
  if (task.scheduledTime !== undefined && task.status !== 'PENDING' && task.status !== 'CANCELED') {
    output.scheduled_time = formatTaskTime(task.scheduledTime);
  }
  if (task.endTime !== undefined) output.end_time = formatTaskTime(task.endTime);

  switch (task.status) {
    case 'PENDING':
    case 'CANCELED':
      return { request_id: requestId, output };
    case 'RUNNING':
      output.task_metrics = metrics(task);
      return { request_id: requestId, output };
    case 'FAILED':
      output.code = task.code;
      output.message = task.message;
      output.task_metrics = metrics(task);
      return { request_id: requestId, output };
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
      return { request_id: requestId, output, usage: { image_count: m.SUCCEEDED } };
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
    status: task.status,
    task_id: task.id,
    user_api_unique_key: `apikey:v1:aigc:image2image:image-synthesis:${task.model}`,
  };
  if (task.scheduledTime !== undefined) item.start_time = task.scheduledTime;
  if (task.endTime !== undefined) item.end_time = task.endTime;
  return item;
}
