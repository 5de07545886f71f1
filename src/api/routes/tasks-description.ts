/**
 * OpenAPI description of the DashScope task routes (routes/tasks.ts). The create body is
 * validated by protocol/create-request.ts (hand-written, to reproduce DashScope's exact error
 * messages); `createTaskRequest` states the same rules as a schema, and
 * test/api/openapi.test.ts checks both agree on generated bodies. Response schemas are checked
 * against real answers in the same test.
 */
import { z } from 'zod';
import { MAX_IMAGES, MAX_N, MAX_SEED, MIN_IMAGES, TASK_STATUSES } from '@retouch/sdk/protocol';
import type { ApiDescription } from '../openapi.js';
import { AUTH_ERRORS, COMMON_SCHEMAS, RATE_LIMITED } from '../schemas.js';

const time = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/)
  .describe('Beijing time (UTC+8), YYYY-MM-DD HH:mm:ss.SSS');
const status = z.enum(TASK_STATUSES);

export const createTaskRequest = z.looseObject({
  model: z.string().min(1),
  input: z.looseObject({
    prompt: z.string().regex(/\S/).describe('Truncated to 2000 characters.'),
    images: z.array(z.string().regex(/\S/)).min(MIN_IMAGES).max(MAX_IMAGES).describe('http(s) URLs, data URIs or oss:// URLs; "image 1" first.'),
    negative_prompt: z.string().optional().describe('Truncated to 500 characters.'),
  }),
  parameters: z
    .looseObject({
      n: z.number().int().min(1).max(MAX_N).optional(),
      size: z.string().optional().describe('"W*H", e.g. "1280*1280".'),
      seed: z.number().int().min(0).max(MAX_SEED).optional(),
      prompt_extend: z.boolean().optional(),
      watermark: z.boolean().optional(),
    })
    .optional(),
});

const createTaskResponse = z.object({
  output: z.object({ task_status: z.literal('PENDING'), task_id: z.string() }),
  request_id: z.string(),
});

const resultItem = z.object({
  orig_prompt: z.string().optional(),
  actual_prompt: z.string().optional(),
  url: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});
const metrics = z.object({ TOTAL: z.number().int(), SUCCEEDED: z.number().int(), FAILED: z.number().int() });
const retouchInfo = z
  .object({
    route: z.string().describe('The model the task came in on.'),
    engine: z.string().describe('The engine that ran it (local, dashscope, openai, comfyui).'),
  })
  .describe('retouch extra for operators (DashScope SDKs ignore it); absent until a worker chose the engine.');

export const getTaskResponse = z.object({
  request_id: z.string(),
  output: z.object({
    task_id: z.string(),
    task_status: status,
    submit_time: time.optional(),
    scheduled_time: time.optional(),
    end_time: time.optional(),
    results: z.array(resultItem).optional(),
    task_metrics: metrics.optional(),
    code: z.string().optional(),
    message: z.string().optional(),
  }),
  usage: z.object({ image_count: z.number().int() }).optional(),
  retouch: retouchInfo.optional(),
});

const listItem = z.object({
  api_key_id: z.string(),
  caller_parent_id: z.string(),
  caller_uid: z.string(),
  gmt_create: z.number().int(),
  start_time: z.number().int().optional(),
  end_time: z.number().int().optional(),
  model_name: z.string(),
  region: z.string(),
  request_id: z.string(),
  status,
  task_id: z.string(),
  user_api_unique_key: z.string(),
  retouch: retouchInfo.optional(),
});
const listTasksResponse = z.object({
  request_id: z.string(),
  total: z.number().int(),
  total_page: z.number().int(),
  page_no: z.number().int(),
  page_size: z.number().int(),
  data: z.array(listItem),
});

const taskId = { task_id: 'The task id.' };
const optionalQuery = (description: string) => ({ description, schema: z.string() });

export const taskApiDescription: ApiDescription = {
  tag: { name: 'tasks', description: 'The DashScope asynchronous image-edit task protocol (wan2.5-i2i-preview).' },
  schemas: {
    ...COMMON_SCHEMAS,
    CreateTaskRequest: createTaskRequest,
    CreateTaskResponse: createTaskResponse,
    TaskResultItem: resultItem,
    TaskMetrics: metrics,
    RetouchInfo: retouchInfo,
    GetTaskResponse: getTaskResponse,
    TaskListItem: listItem,
    ListTasksResponse: listTasksResponse,
  },
  operations: [
    {
      method: 'post',
      path: '/api/v1/services/aigc/image2image/image-synthesis',
      operationId: 'createTask',
      tag: 'tasks',
      summary: 'Submit an image-edit task',
      headers: {
        'X-DashScope-Async': { description: 'Must be "enable".', schema: z.literal('enable'), required: true },
        'X-DashScope-OssResourceResolve': { description: '"enable" to accept oss:// inputs from temporary uploads.', schema: z.literal('enable') },
        'X-Retouch-Callback-Url': {
          description: 'retouch extra: a URL that gets the final state as a signed webhook (docs/webhooks.md).',
          schema: z.string().max(2048),
        },
        'Idempotency-Key': {
          description:
            'retouch extra: the same key and body within 24 h return the original task (header Idempotent-Replayed: true); another body is refused (422).',
          schema: z.string().min(1).max(255),
        },
      },
      body: 'CreateTaskRequest',
      responses: {
        '200': { description: 'Queued.', schema: 'CreateTaskResponse' },
        '400': { description: 'Invalid request (see docs/errors.md).', schema: 'ErrorBody' },
        '403': { description: 'Synchronous call or workspace denied (AccessDenied).', schema: 'ErrorBody' },
        '422': { description: 'Idempotency-Key reused with another body (IdempotencyKey.Mismatch).', schema: 'ErrorBody' },
        ...AUTH_ERRORS,
        ...RATE_LIMITED,
        '503': { description: 'Shutting down (ServiceUnavailable).', schema: 'ErrorBody' },
      },
    },
    {
      method: 'get',
      path: '/api/v1/tasks/{task_id}',
      operationId: 'getTask',
      tag: 'tasks',
      summary: 'Query a task',
      pathParams: taskId,
      query: {
        wait: { description: 'retouch extra (long-poll): seconds to wait for a change before answering (capped, see Preference-Applied).', schema: z.string() },
      },
      headers: { Prefer: { description: 'retouch extra (long-poll): "wait=N", as ?wait=N.', schema: z.string() } },
      responses: {
        '200': { description: "The task; UNKNOWN for an id that does not exist, expired or is another workspace's.", schema: 'GetTaskResponse' },
        ...AUTH_ERRORS,
        ...RATE_LIMITED,
      },
    },
    {
      method: 'get',
      path: '/api/v1/tasks/{task_id}/events',
      operationId: 'taskEvents',
      tag: 'tasks',
      summary: 'retouch extra: server-sent events of one task until it is final',
      pathParams: taskId,
      description:
        'Each event is `id: <revision>`, `event: task`, `data: <the GET task body>`; `: ping` heartbeats; resumable with Last-Event-ID; `?api_key=` for EventSource.',
      responses: {
        '200': { description: 'An event stream.', mediaType: 'text/event-stream' },
        '204': { description: 'Resumed after the final event: nothing more to send.' },
        ...AUTH_ERRORS,
        '429': { description: 'Too many open streams (Throttling.Streams).', schema: 'ErrorBody' },
      },
    },
    {
      method: 'get',
      path: '/api/v1/tasks/events',
      operationId: 'workspaceEvents',
      tag: 'tasks',
      summary: 'retouch extra: server-sent events of every task of the workspace',
      responses: {
        '200': { description: 'An event stream (events as for one task).', mediaType: 'text/event-stream' },
        ...AUTH_ERRORS,
        '429': { description: 'Too many open streams (Throttling.Streams).', schema: 'ErrorBody' },
      },
    },
    {
      method: 'get',
      path: '/api/v1/tasks',
      operationId: 'listTasks',
      tag: 'tasks',
      summary: "List the workspace's tasks (newest first, 24 h window)",
      query: {
        task_id: optionalQuery('Only this task.'),
        model_name: optionalQuery('Only this model.'),
        status: { description: 'Only this state.', schema: status },
        start_time: optionalQuery('YYYYMMDDhhmmss (Beijing time).'),
        end_time: optionalQuery('YYYYMMDDhhmmss (Beijing time); at most 24 h after start_time.'),
        page_no: optionalQuery('Page, from 1.'),
        page_size: optionalQuery('1–100, default 10.'),
      },
      responses: {
        '200': { description: 'One page.', schema: 'ListTasksResponse' },
        '400': { description: 'Invalid query (InvalidParameter).', schema: 'ErrorBody' },
        ...AUTH_ERRORS,
        ...RATE_LIMITED,
      },
    },
    {
      method: 'post',
      path: '/api/v1/tasks/{task_id}/cancel',
      operationId: 'cancelTask',
      tag: 'tasks',
      summary: 'Cancel a PENDING task',
      pathParams: taskId,
      responses: {
        '200': { description: 'Canceled.', schema: 'RequestIdOnly' },
        '400': { description: 'Not PENDING (UnsupportedOperation).', schema: 'ErrorBody' },
        ...AUTH_ERRORS,
        ...RATE_LIMITED,
      },
    },
  ],
};
