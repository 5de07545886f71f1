/**
 * Task error codes of the upstream engines (openai, comfyui). They are what a task records in
 * `code` when an upstream could not produce an image; the message says which upstream and why,
 * in words safe to show (never a key, never a stack). Catalogue: docs/errors.md.
 */
import type { TaskErrorCode } from '@retouch/sdk/protocol';
import { EditError } from '../engine.js';

export const UpstreamCodes = {
  /** Connection refused or reset, DNS failure, or a 5xx/503 after the retries. */
  unavailable: 'Upstream.Unavailable',
  /** The route's timeout passed before the upstream answered (or finished the job). */
  timeout: 'Upstream.Timeout',
  /** The upstream kept answering 429 after the retries. */
  throttled: 'Upstream.Throttled',
  /** The upstream refused the request as invalid (400/404/422…): a route or model misconfiguration, or an input it cannot take. */
  invalidRequest: 'Upstream.InvalidRequest',
  /** 401/403: the route's API key is missing, wrong or not allowed. */
  authFailed: 'Upstream.AuthFailed',
  /** The answer was not what the protocol promises: not JSON, no image, an undecodable or oversized image. */
  badResponse: 'Upstream.BadResponse',
  /** The upstream accepted the job and reported that running it failed (ComfyUI execution_error, a server_error). */
  failed: 'Upstream.Failed',
  /** The upstream forgot the job (restarted) or cancelled it itself. */
  lost: 'Upstream.Lost',
  /** Content moderation refused the prompt or an image; DashScope's own code for this. */
  contentPolicy: 'DataInspectionFailed',
} as const satisfies Record<string, TaskErrorCode>;

export type UpstreamCode = (typeof UpstreamCodes)[keyof typeof UpstreamCodes];

export function upstreamError(code: UpstreamCode, message: string): EditError {
  return new EditError(code, message);
}

/** Keeps upstream-provided text short and on one line before it goes into a task message. */
export function clip(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
