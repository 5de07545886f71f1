/**
 * Reading an OpenAI-style images answer: `{created, data: [{b64_json | url, revised_prompt?}]}`
 * on success; on failure OpenAI's `{error: {message, type, param, code}}`, FastAPI's
 * `{detail: …}` (vLLM-Omni, SGLang) or plain text, mapped to upstream task codes.
 */
import type { EditError } from '../engine.js';
import { clip, upstreamError, UpstreamCodes, type UpstreamCode } from '../upstream-kit/errors.js';
import { jsonOf, type UpstreamReply } from '../upstream-kit/http.js';

export interface ReplyImage {
  readonly b64?: string;
  readonly url?: string;
  readonly revisedPrompt?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The images of a 2xx answer; throws Upstream.BadResponse when there are none. */
export function readImages(reply: UpstreamReply, who: string): ReplyImage[] {
  const body = jsonOf(reply);
  const data = isObject(body) ? body.data : undefined;
  if (!Array.isArray(data) || data.length === 0) {
    throw upstreamError(UpstreamCodes.badResponse, `${who} answered ${reply.status} without images (expected {"data": [{"b64_json" | "url"}]}).`);
  }
  return data.map((item) => {
    const o = isObject(item) ? item : {};
    return { b64: str(o.b64_json), url: str(o.url), revisedPrompt: str(o.revised_prompt) };
  });
}

const CONTENT_POLICY = /content[_ ]policy|moderation|safety system|safety_violation|nsfw/i;

/** The upstream's own words about a failure, whatever shape it used. */
function describe(reply: UpstreamReply): { message: string; code?: string; param?: string; type?: string } {
  const body = jsonOf(reply);
  if (isObject(body)) {
    const error = isObject(body.error) ? body.error : undefined;
    if (error) {
      return {
        message: str(error.message) ?? 'no message',
        code: str(error.code) ?? (typeof error.code === 'number' ? String(error.code) : undefined),
        param: str(error.param),
        type: str(error.type),
      };
    }
    if (typeof body.detail === 'string') return { message: body.detail };
    if (Array.isArray(body.detail)) {
      // FastAPI validation errors: [{loc: ["body", "prompt"], msg: "Field required"}, …]
      const first = body.detail.find(isObject);
      const loc = first && Array.isArray(first.loc) ? first.loc.filter((p) => p !== 'body').join('.') : undefined;
      return { message: `${str(first?.msg) ?? 'invalid request'}${loc ? ` (${loc})` : ''}` };
    }
    if (typeof body.message === 'string') return { message: body.message, code: str(body.code), type: str(body.type) };
    if (typeof body.error === 'string') return { message: body.error };
  }
  const text = reply.body.toString('utf8').trim();
  return { message: text === '' ? 'no body' : text };
}

function codeFor(status: number, detail: { message: string; code?: string; type?: string }): UpstreamCode {
  if (CONTENT_POLICY.test(`${detail.code ?? ''} ${detail.type ?? ''}`) || (status === 400 && CONTENT_POLICY.test(detail.message))) {
    return UpstreamCodes.contentPolicy;
  }
  if (status === 401 || status === 403) return UpstreamCodes.authFailed;
  if (status === 429) return UpstreamCodes.throttled;
  if (status === 408 || status === 504) return UpstreamCodes.timeout;
  if (status === 502 || status === 503) return UpstreamCodes.unavailable;
  if (status >= 500) return UpstreamCodes.failed;
  if (status >= 400) return UpstreamCodes.invalidRequest;
  return UpstreamCodes.badResponse;
}

/** A non-2xx answer as the EditError the task records. */
export function errorFor(reply: UpstreamReply, who: string): EditError {
  const detail = describe(reply);
  const tags = [detail.code && `code ${detail.code}`, detail.param && `param ${detail.param}`].filter(Boolean).join(', ');
  return upstreamError(codeFor(reply.status, detail), `${who} answered ${reply.status}: ${clip(detail.message)}${tags ? ` (${clip(tags, 120)})` : ''}`);
}
