/**
 * Typed errors with stable DashScope codes. `message` is public (it goes into the error body);
 * internal detail (stack, SQL, paths) stays in `cause` and the logs, never in a response.
 * The catalogue of codes we emit is docs/errors.md.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.headers = options?.headers ?? {};
  }

  readonly headers: Record<string, string>;
}

export const invalidParameter = (message: string): ApiError => new ApiError(400, 'InvalidParameter', message);

export const Errors = {
  noApiKey: () => new ApiError(401, 'InvalidApiKey', 'No API-key provided.'),
  invalidApiKey: () => new ApiError(401, 'InvalidApiKey', 'Invalid API-key provided.'),
  syncNotSupported: () => new ApiError(403, 'AccessDenied', 'current user api does not support synchronous calls'),
  workspaceDenied: () => new ApiError(403, 'Workspace.AccessDenied', 'Workspace access denied.'),
  malformedBody: () => new ApiError(400, 'InvalidParameter', 'Required body invalid, please check the request body format.'),
  notJson: () => new ApiError(400, 'BadRequest.IllegalInput', 'The input parameter requires json format.'),
  tooLarge: () => new ApiError(400, 'BadRequest.TooLarge', 'Payload Too Large.'),
  modelNotExist: () => new ApiError(400, 'InvalidParameter', 'Model not exist.'),
  urlError: () =>
    new ApiError(400, 'InvalidParameter', 'url error, please check url! The model wan2.5-i2i-preview is served at /api/v1/services/aigc/image2image/image-synthesis.'),
  methodNotSupported: (method: string) => new ApiError(400, 'InvalidParameter', `Request method '${method}' is not supported.`),
  notFound: () => new ApiError(404, 'NotFound', 'Not found!'),
  cannotCancel: () =>
    new ApiError(400, 'UnsupportedOperation', 'Failed to cancel the task, please confirm if the task is in PENDING status.'),
  resultAccessDenied: (why: string) => new ApiError(403, 'AccessDenied', why),
  internal: (cause?: unknown) =>
    new ApiError(500, 'InternalError', 'An internal error has occured, please try again later or contact service support.', { cause }),
  /** Over a per-workspace request rate (see limits/rate-limiter.ts); Retry-After in whole seconds. */
  rateLimited: (retryAfterMs: number) =>
    new ApiError(429, 'Throttling.RateQuota', 'Requests rate limit exceeded, please try again later.', {
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    }),
  /** The process-wide budget for submission bodies in flight is used up (limits/body-budget.ts). */
  busy: () =>
    new ApiError(429, 'Throttling', 'Too many requests in route. Please try again later.', { headers: { 'retry-after': '1' } }),
  /** Idempotency-Key reused with another body (status as in the IETF idempotency-key draft). */
  idempotencyMismatch: () =>
    new ApiError(422, 'IdempotencyKey.Mismatch', 'This Idempotency-Key was already used with a different request body; use a new key for a new request.'),
  /** The process holds as many long-polls and event streams for the workspace as it may (RETOUCH_PUSH_MAX_*). */
  tooManyStreams: () =>
    new ApiError(429, 'Throttling.Streams', 'Too many open event streams for this workspace, please close some or try again later.', {
      headers: { 'retry-after': '1' },
    }),
  unavailable: () => new ApiError(503, 'ServiceUnavailable', 'The service is shutting down, please try again later.'),
} as const;
