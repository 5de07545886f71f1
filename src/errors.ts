/**
 * Every error retouch answers or records, built in this one module from the closed code lists of
 * protocol/error-codes.ts (a code's HTTP status comes from there, never from the caller).
 * `message` is public (it goes into the error body or the task); internal detail (stack, SQL,
 * paths) stays in `cause` and the logs, never in a response. The catalogue is docs/errors.md,
 * checked against the code lists by test/errors/registry.test.ts.
 */
import { REQUEST_ERRORS, type RequestErrorCode, type TaskErrorCode, type RequestProblem } from '@retouch/sdk/protocol';

export type { RequestErrorCode, TaskErrorCode } from '@retouch/sdk/protocol';

export class ApiError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: RequestErrorCode,
    message: string,
    options?: {
      cause?: unknown;
      headers?: Record<string, string>;
      /** Only for errors the HTTP transport decided (see TRANSPORT_STATUSES); otherwise the code's status. */
      transportStatus?: number;
    },
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.status = options?.transportStatus ?? REQUEST_ERRORS[code];
    this.headers = options?.headers ?? {};
  }
}

export const invalidParameter = (message: string): ApiError => new ApiError('InvalidParameter', message);

/** A problem found by the pure validators of protocol/ (create body, image limits) as an error body. */
export const fromProblem = (problem: RequestProblem): ApiError => new ApiError(problem.code, problem.message);

const CLOSE = { connection: 'close' } as const;
const MB = 1024 * 1024;

export const Errors = {
  noApiKey: () => new ApiError('InvalidApiKey', 'No API-key provided.'),
  invalidApiKey: () => new ApiError('InvalidApiKey', 'Invalid API-key provided.'),
  /** `GET /metrics` without the RETOUCH_METRICS_TOKEN bearer token. */
  metricsToken: () => new ApiError('InvalidApiKey', 'A valid metrics token is required.'),
  syncNotSupported: () => new ApiError('AccessDenied', 'current user api does not support synchronous calls'),
  workspaceDenied: () => new ApiError('Workspace.AccessDenied', 'Workspace access denied.'),
  malformedBody: () => new ApiError('InvalidParameter', 'Required body invalid, please check the request body format.'),
  notJson: () => new ApiError('BadRequest.IllegalInput', 'The input parameter requires json format.'),
  tooLarge: () => new ApiError('BadRequest.TooLarge', 'Payload Too Large.'),
  modelNotExist: () => new ApiError('InvalidParameter', 'Model not exist.'),
  urlError: () =>
    new ApiError(
      'InvalidParameter',
      'url error, please check url! The model wan2.5-i2i-preview is served at /api/v1/services/aigc/image2image/image-synthesis.',
    ),
  methodNotSupported: (method: string) => new ApiError('InvalidParameter', `Request method '${method}' is not supported.`),
  /** A router error (bad percent-encoding, an over-long path parameter). */
  badUrl: () => new ApiError('InvalidParameter', 'The request URL is invalid, please check the request path.'),
  /** A 4xx Fastify raised itself (keeps its status) or Node's HTTP parser refused the request (400, 431). */
  transport: (status: number) => new ApiError('InvalidParameter', 'Invalid request parameters.', { transportStatus: status }),
  /** An HTTP/1.1 request without the Host header it must carry. */
  missingHost: () => new ApiError('InvalidParameter', 'Required header Host is missing.'),
  headersTooLarge: () => new ApiError('InvalidParameter', 'Request header fields too large.', { transportStatus: 431 }),
  /** Node's HTTP request timeout (the request was not complete within 120 s). */
  requestTimeout: () => new ApiError('RequestTimeOut', 'Request timed out, please try again later.'),
  notFound: () => new ApiError('NotFound', 'Not found!'),
  cannotCancel: () => new ApiError('UnsupportedOperation', 'Failed to cancel the task, please confirm if the task is in PENDING status.'),
  resultAccessDenied: (why: string) => new ApiError('AccessDenied', why),
  internal: (cause?: unknown) => new ApiError('InternalError', 'An internal error has occured, please try again later or contact service support.', { cause }),
  /** Over a per-workspace request rate (see limits/rate-limiter.ts); Retry-After in whole seconds. */
  rateLimited: (retryAfterMs: number) =>
    new ApiError('Throttling.RateQuota', 'Requests rate limit exceeded, please try again later.', {
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    }),
  /** The process-wide budget for submission bodies in flight is used up (limits/body-budget.ts). */
  busy: () => new ApiError('Throttling', 'Too many requests in route. Please try again later.', { headers: { 'retry-after': '1' } }),
  /** A body would pass the in-flight budget while it is being received (limits/body-meter.ts); the connection is closed. */
  bodyBudgetExceeded: () => new ApiError('Throttling', 'Too many requests in route. Please try again later.', { headers: { 'retry-after': '1', ...CLOSE } }),
  /** A body that did not arrive within its deadline or fell below its minimum rate; the connection is closed. */
  bodyTooSlow: ({ deadlineMs, minBytesPerSecond }: { readonly deadlineMs: number; readonly minBytesPerSecond: number }) =>
    new ApiError(
      'RequestTimeOut',
      `Request timed out, please try again later (the request body must arrive within ${Math.round(deadlineMs / 1000)} s` +
        (minBytesPerSecond > 0 ? ` and at ${Math.round(minBytesPerSecond / 1024)} KB/s or more).` : ').'),
      { headers: CLOSE },
    ),
  /** Idempotency-Key reused with another body (status as in the IETF idempotency-key draft). */
  idempotencyMismatch: () =>
    new ApiError('IdempotencyKey.Mismatch', 'This Idempotency-Key was already used with a different request body; use a new key for a new request.'),
  /** The process holds as many long-polls and event streams for the workspace as it may (RETOUCH_PUSH_MAX_*). */
  tooManyStreams: () =>
    new ApiError('Throttling.Streams', 'Too many open event streams for this workspace, please close some or try again later.', {
      headers: { 'retry-after': '1' },
    }),
  unavailable: () => new ApiError('ServiceUnavailable', 'The service is shutting down, please try again later.'),
} as const;

/** Admin API (docs/admin-api.md). */
export const AdminErrors = {
  notAdmin: () => new ApiError('AccessDenied', 'This API key is not an admin key; the admin API needs one.'),
  noSuchKey: (id: string) => new ApiError('NotFound', `No active API key with id ${id}.`),
  lastAdminKey: () => new ApiError('UnsupportedOperation', 'This is the last active admin key; create another admin key before revoking it.'),
} as const;

/** Temporary uploads (POST /api/v1/uploads/oss). */
export const UploadErrors = {
  denied: (message: string) => new ApiError('AccessDenied', message),
  missingField: (name: string) =>
    new ApiError('InvalidParameter', `Required parameter(${name}) missing or invalid; the form fields must come before the file.`),
  exists: () => new ApiError('FileAlreadyExists', 'The object you specified already exists and can not be overwritten.'),
  tooLarge: (maxBytes: number) =>
    new ApiError('BadRequest.TooLarge', `Payload Too Large. Uploaded files are limited to ${Math.round((maxBytes / MB) * 100) / 100} MB.`),
} as const;

/** Webhook endpoints and callback URLs (docs/webhooks.md). */
export const WebhookErrors = {
  endpointNotFound: () => new ApiError('NotFound', 'Webhook endpoint not found.'),
  invalidUrl: (what: string, why: string) => new ApiError('InvalidURL', `Invalid ${what}: ${why}`),
} as const;

/** Image references of a create request (inputs/resolve-images.ts). */
export const ImageRefErrors = {
  dataUriType: (label: string, mime: string) =>
    new ApiError(
      'InvalidImage.FileFormat',
      `Invalid image type. Please ensure the uploaded file is a valid image (${label} has MIME type "${mime.slice(0, 40)}"; image/jpeg, image/png, image/bmp or image/webp expected).`,
    ),
  ossWithoutHeader: (label: string) =>
    new ApiError('InvalidParameter', `${label} is an oss:// URL; send the header X-DashScope-OssResourceResolve: enable to use temporary uploads.`),
  uploadGone: (label: string) => new ApiError('InvalidURL', `${label}: the uploaded file was not found or has expired.`),
  badScheme: (label: string) =>
    new ApiError('InvalidURL', `Invalid URL provided in your request (${label} must be an http(s) URL, a data URI or an oss:// URL).`),
} as const;

const MAX_ECHO = 200;

/** Only ever the URL the user sent, truncated: never a redirect target or a resolved address. */
function echo(url: string): string {
  const flat = url.replace(/[\u0000-\u001f\u007f]/g, '');
  return flat.length > MAX_ECHO ? `${flat.slice(0, MAX_ECHO)}…` : flat;
}

function sizeLimit(maxBytes: number): string {
  return maxBytes % MB === 0 ? `${maxBytes / MB} MB` : `${maxBytes} bytes`;
}

/** Downloads of image URLs (inputs/safe-fetch.ts; DashScope codes from protocol.md §4). */
export const FetchErrors = {
  invalidUrl: (why?: string, cause?: unknown) =>
    new ApiError('InvalidURL', why === undefined ? 'Invalid URL provided in your request.' : `Invalid URL provided in your request: ${why}`, { cause }),
  forbidden: (cause?: unknown) => new ApiError('InvalidURL', 'The request URL is not allowed: it resolves to a private or reserved address.', { cause }),
  tooManyRedirects: (max: number) => new ApiError('InvalidURL', `Invalid URL provided in your request: more than ${max} redirects.`),
  timeout: (url: string, cause?: unknown) => new ApiError('InvalidURL.Timeout', `Download ${echo(url)} timeout, please check network connection.`, { cause }),
  refused: (url: string, cause?: unknown) =>
    new ApiError('InvalidURL.ConnectionRefused', `Connection to ${echo(url)} refused, please provide available URL.`, { cause }),
  tooLarge: (maxBytes: number) => new ApiError('InvalidParameter', `The downloaded file exceeds the size limit of ${sizeLimit(maxBytes)}.`),
  httpStatus: (status: number) => new ApiError('InvalidParameter', `download image failed: the server answered with HTTP status ${status}.`),
  downloadFailed: (why: string, cause?: unknown) => new ApiError('InvalidParameter', `download image failed: ${why}.`, { cause }),
} as const;

/** A failure recorded on a task or one of its images (HTTP 200 in the task; docs/errors.md, "Task errors"). */
export interface TaskFailure {
  readonly ok: false;
  readonly code: TaskErrorCode;
  readonly message: string;
}

const taskFailure = (code: TaskErrorCode, message: string): TaskFailure => ({ ok: false, code, message });

/** The task failures retouch records with fixed messages (engines raise EditError with their own messages). */
export const TaskFailures = {
  /** An edit step threw something that is not an EditError. */
  internal: taskFailure('InternalError.Algo', 'An internal error has occured during execution, please try again later or contact service support.'),
  timeout: taskFailure('InternalError.Timeout', 'An internal timeout error has occured during execution, please try again later or contact service support.'),
  interrupted: taskFailure(
    'InternalError.Interrupted',
    'The task was interrupted too many times (its worker stopped while running it) and will not be retried.',
  ),
  inputsGone: taskFailure('InternalError', 'The input images of this task are no longer available.'),
  modelNotExist: taskFailure('InvalidParameter', 'Model not exist.'),
  upstreamUnavailable: taskFailure(
    'InternalError.Upstream',
    'The upstream image service could not be reached or refused retouch, please try again later or contact service support.',
  ),
  upstreamLost: taskFailure('InternalError.Upstream', 'The upstream image service no longer knows this task (it expired or was lost there), please try again.'),
  routeGone: taskFailure('InternalError.Upstream', 'The route that submitted this task upstream is no longer configured, so its result cannot be fetched.'),
  downloadFailed: taskFailure('InternalError.Download', 'The image was produced upstream but could not be downloaded from it, please try again.'),
  /** An upstream snapshot that lists fewer results than the task has images. */
  noUpstreamResult: taskFailure('InternalError', 'The upstream returned no result for this image.'),
} as const;
