/**
 * Wire shapes of the DashScope image-synthesis task protocol as retouch speaks it
 * (see docs/architecture.md and the protocol reference). Shared by the server, SDK, CLI and web.
 */
import type { TaskStatus } from './states.js';

export const MODEL_WAN25_I2I = 'wan2.5-i2i-preview';

/** Body of POST /api/v1/services/aigc/image2image/image-synthesis. */
export interface CreateTaskRequest {
  model: string;
  input: {
    prompt: string;
    images: string[];
    negative_prompt?: string;
  };
  parameters?: CreateTaskParameters;
}

export interface CreateTaskParameters {
  size?: string;
  n?: number;
  prompt_extend?: boolean;
  watermark?: boolean;
  seed?: number;
  /** Unknown keys are accepted and ignored, as the SDKs forward any extra kwarg here. */
  [extra: string]: unknown;
}

export interface CreateTaskResponse {
  output: { task_status: 'PENDING'; task_id: string };
  request_id: string;
}

/** A success item carries url (+ prompts); a failed item carries code and message. */
export interface TaskResultItem {
  orig_prompt?: string;
  actual_prompt?: string;
  url?: string;
  code?: string;
  message?: string;
}

export interface TaskMetrics {
  TOTAL: number;
  SUCCEEDED: number;
  FAILED: number;
}

export interface TaskOutput {
  task_id: string;
  task_status: TaskStatus;
  submit_time?: string;
  scheduled_time?: string;
  end_time?: string;
  results?: TaskResultItem[];
  task_metrics?: TaskMetrics;
  code?: string;
  message?: string;
}

/**
 * retouch's own addition for operators (DashScope SDKs ignore unknown keys): which route the task
 * came in on (its model) and which engine ran it. Absent until a worker chose the engine.
 */
export interface RetouchInfo {
  route: string;
  engine: string;
}

export interface GetTaskResponse {
  request_id: string;
  output: TaskOutput;
  usage?: { image_count: number };
  retouch?: RetouchInfo;
}

/** One row of GET /api/v1/tasks. Times are epoch milliseconds. */
export interface TaskListItem {
  api_key_id: string;
  caller_parent_id: string;
  caller_uid: string;
  gmt_create: number;
  start_time?: number;
  end_time?: number;
  model_name: string;
  region: string;
  request_id: string;
  status: TaskStatus;
  task_id: string;
  user_api_unique_key: string;
  retouch?: RetouchInfo;
}

export interface ListTasksResponse {
  request_id: string;
  total: number;
  total_page: number;
  page_no: number;
  page_size: number;
  data: TaskListItem[];
}

/** GET /api/v1/models: the models the calling key may use. */
export interface ModelListResponse {
  request_id: string;
  data: { id: string; object: 'model'; engine: string; owned_by: 'retouch' }[];
}

export interface CancelTaskResponse {
  request_id: string;
}

/** Every DashScope error body. */
export interface ErrorBody {
  request_id: string;
  code: string;
  message: string;
}
