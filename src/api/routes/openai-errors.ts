/**
 * Errors of the OpenAI-compatible routes in OpenAI's shape,
 * `{"error": {"message", "type", "param", "code"}}` with a JSON content type, so that OpenAI SDKs
 * raise their usual exception classes (they pick them by HTTP status). Catalogue: docs/errors.md.
 */
import type { FastifyError, FastifyReply } from 'fastify';
import { ApiError } from '../../errors.js';

export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'OpenAiError';
  }

  get type(): string {
    if (this.status === 429) return 'requests';
    return this.status >= 500 ? 'server_error' : 'invalid_request_error';
  }
}

export const invalid = (param: string | null, message: string, code = 'invalid_value'): OpenAiError => new OpenAiError(400, message, code, param);

/** DashScope codes of the shared pipeline (auth, limits, image checks) in OpenAI terms. */
const CODES: Record<string, string> = {
  InvalidApiKey: 'invalid_api_key',
  'Workspace.AccessDenied': 'workspace_denied',
  'Throttling.RateQuota': 'rate_limit_exceeded',
  Throttling: 'rate_limit_exceeded',
  'InvalidImage.FileFormat': 'invalid_image_format',
  InvalidImageFormat: 'invalid_image',
  InvalidImageResolution: 'invalid_image_size',
  'BadRequest.TooLarge': 'file_too_large',
  ServiceUnavailable: 'service_unavailable',
  InternalError: 'internal_error',
};

export function fromApiError(err: ApiError, param: string | null = null): OpenAiError {
  const code = CODES[err.code] ?? (err.code.startsWith('InvalidImage') ? 'invalid_image' : 'invalid_value');
  const imageParam = err.code.startsWith('InvalidImage') || err.code === 'InvalidURL' ? 'image' : param;
  return new OpenAiError(err.status, err.message, code, imageParam, err.headers);
}

/**
 * A failed task (or a failed image of it) as an HTTP error: the task's code is kept as `code`
 * (docs/errors.md, "Task errors"), except content moderation, which gets OpenAI's own code.
 */
export function fromTaskFailure(code: string, message: string): OpenAiError {
  if (code === 'DataInspectionFailed') return new OpenAiError(400, message, 'content_policy_violation', 'prompt');
  // An image that passed intake's structure check but did not decode: the caller's image, as at intake.
  if (code === 'InvalidImageFormat') return new OpenAiError(400, message, CODES.InvalidImageFormat!, 'image');
  if (code === 'InvalidParameter' || code === 'Upstream.InvalidRequest') return new OpenAiError(400, message, code, 'prompt');
  if (code === 'InternalError.Timeout' || code === 'Upstream.Timeout') return new OpenAiError(504, message, code);
  if (code.startsWith('Upstream.')) return new OpenAiError(502, message, code);
  return new OpenAiError(500, message, code);
}

/** Fastify's and @fastify/multipart's own errors (malformed multipart, limits). */
export function toOpenAiError(err: unknown): OpenAiError {
  if (err instanceof OpenAiError) return err;
  if (err instanceof ApiError) return fromApiError(err);
  const code = (err as FastifyError).code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return invalid('image', 'An image is larger than 10 MB.', 'file_too_large');
    case 'FST_FILES_LIMIT':
      return invalid('image', 'At most 3 images can be edited together.', 'too_many_images');
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return invalid(null, 'The multipart body has too many parts.', 'invalid_multipart');
    case 'FST_PROTO_VIOLATION':
      return invalid(null, 'A form field is named like an object property (__proto__, constructor, …); no such parameter exists.', 'unknown_parameter');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return invalid(null, 'The request must be multipart/form-data.', 'invalid_multipart');
  }
  const status = (err as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return invalid(null, 'The multipart body could not be read; check the boundary and the parts.', 'invalid_multipart');
  }
  return new OpenAiError(500, 'An internal error has occurred, please try again later.', 'internal_error');
}

export function sendOpenAiError(reply: FastifyReply, error: OpenAiError): FastifyReply {
  return reply
    .status(error.status)
    .headers(error.headers)
    .type('application/json')
    .send({ error: { message: error.message, type: error.type, param: error.param, code: error.code } });
}
