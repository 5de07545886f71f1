/**
 * The closed list of error codes retouch itself emits, in DashScope's vocabulary. Pure data, like
 * the rest of protocol/, so the SDK and the web console can name codes without the server.
 *
 * - `REQUEST_ERRORS`: the `code` of an error body, with the HTTP status it is answered with.
 *   The factories that build them (with their public messages) are in src/errors.ts.
 * - `TASK_ERROR_CODES`: the `code` a FAILED task (or a failed image of a task) records; they are
 *   answered with HTTP 200 inside the task. A task run by a DashScope upstream may in addition
 *   carry the upstream's own code, passed through unchanged (docs/errors.md, "Task errors").
 *
 * docs/errors.md is the catalogue; test/errors/registry.test.ts diffs it against these lists.
 */
export const REQUEST_ERRORS = {
  InvalidParameter: 400,
  'BadRequest.IllegalInput': 400,
  'BadRequest.EmptyModel': 400,
  'BadRequest.EmptyInput': 400,
  'BadRequest.TooLarge': 400,
  'InvalidImage.FileFormat': 400,
  InvalidImageResolution: 400,
  InvalidImageFormat: 400,
  InvalidURL: 400,
  'InvalidURL.ConnectionRefused': 400,
  'InvalidURL.Timeout': 400,
  UnsupportedOperation: 400,
  InvalidApiKey: 401,
  AccessDenied: 403,
  'Workspace.AccessDenied': 403,
  NotFound: 404,
  RequestTimeOut: 408,
  FileAlreadyExists: 409,
  'IdempotencyKey.Mismatch': 422,
  Throttling: 429,
  'Throttling.RateQuota': 429,
  'Throttling.Streams': 429,
  InternalError: 500,
  ServiceUnavailable: 503,
} as const satisfies Record<string, number>;

export type RequestErrorCode = keyof typeof REQUEST_ERRORS;

/**
 * Statuses a code is answered with besides its own, only where the HTTP transport decides it:
 * requests Node's HTTP parser or Fastify refuse before routing (oversized headers → 431, any other
 * 4xx Fastify raises itself keeps its status).
 */
export const TRANSPORT_STATUSES: Partial<Record<RequestErrorCode, readonly number[]>> = {
  InvalidParameter: [431],
};

export const TASK_ERROR_CODES = [
  'InvalidParameter',
  'InvalidImageFormat',
  'InternalError',
  'InternalError.Algo',
  'InternalError.Timeout',
  'InternalError.Upstream',
  'InternalError.Download',
  'InternalError.Interrupted',
  'Upstream.InvalidRequest',
  'Upstream.AuthFailed',
  'Upstream.Throttled',
  'Upstream.Unavailable',
  'Upstream.Timeout',
  'Upstream.Failed',
  'Upstream.BadResponse',
  'Upstream.Lost',
  'DataInspectionFailed',
] as const;

export type TaskErrorCode = (typeof TASK_ERROR_CODES)[number];

export const isRequestErrorCode = (code: string): code is RequestErrorCode => Object.hasOwn(REQUEST_ERRORS, code);
export const isTaskErrorCode = (code: string): code is TaskErrorCode => (TASK_ERROR_CODES as readonly string[]).includes(code);
