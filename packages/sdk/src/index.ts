/**
 * retouch SDK (@retouch/sdk): a typed client for the DashScope image-edit task protocol, for retouch
 * and for DashScope itself. No dependencies: fetch, node built-ins and its own `protocol/` (the wire
 * types and validation, also exported as `@retouch/sdk/protocol`, which the server uses too).
 *
 * @example
 * ```ts
 * import { createClient } from '@retouch/sdk';
 * // DASHSCOPE_HTTP_BASE_URL=http://127.0.0.1:8080/api/v1 and DASHSCOPE_API_KEY=sk-… in the environment
 * const client = createClient();
 * const result = await client.edit({ prompt: 'convert to black and white', images: ['./photo.jpg'], n: 1, outputDir: './out' });
 * ```
 */
export {
  createClient,
  normalizeBaseUrl,
  DEFAULT_BASE_URL,
  SDK_VERSION,
  type RetouchClient,
  type ClientOptions,
  type CallOptions,
  type CompletionSignal,
  type CreateCallOptions,
  type EditOptions,
  type EditResult,
  type ListTasksQuery,
  type TaskInput,
  type WaitOptions,
} from './client.js';
export { DashScopeError, SdkErrorCodes } from './errors.js';
export { DEFAULT_RETRY, parseRetryAfter, backoffDelay, type FetchLike, type RetryPolicy } from './http.js';
export {
  imageMimeType,
  loadInput,
  toDataUri,
  DEFAULT_INLINE_MAX_BYTES,
  MAX_IMAGE_BYTES,
  type ImageInput,
  type LocalFilesMode,
  type LocalImage,
} from './inputs.js';
export type { DownloadOptions, DownloadReport, ImageOutcome } from './download.js';
export type { UploadPolicy } from './upload.js';
export type { WebhookMethods, WebhookCallOptions } from './webhooks.js';
export type {
  CreatedWebhookEndpoint,
  CreateWebhookRequest,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEnvelope,
  WebhookEventFilter,
  WebhookTaskEvent,
} from './protocol/webhooks.js';
export type {
  CreateTaskRequest,
  CreateTaskResponse,
  CreateTaskParameters,
  GetTaskResponse,
  ListTasksResponse,
  CancelTaskResponse,
  TaskOutput,
  TaskResultItem,
  TaskMetrics,
  TaskListItem,
  TaskStatus,
  ErrorBody,
} from './protocol/index.js';
export { isTerminal, TERMINAL_STATUSES, MODEL_WAN25_I2I } from './protocol/index.js';
