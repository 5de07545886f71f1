/**
 * Validation of the create-task body. Pure: the API turns a `RequestProblem` into a 400 error
 * body, and the CLI's local mode reuses the same rules.
 *
 * Lenient where DashScope is lenient (over-long prompts are truncated, unknown parameters are
 * ignored, an empty negative prompt is fine) and strict where it is strict (image count, n,
 * size, seed).
 */
import type { RequestErrorCode } from './error-codes.js';
import { parseSize, type Size } from './size.js';

export const MAX_PROMPT_CHARS = 2000;
export const MAX_NEGATIVE_PROMPT_CHARS = 500;
export const MIN_IMAGES = 1;
export const MAX_IMAGES = 3;
export const MAX_N = 4;
export const DEFAULT_N = 4;
export const MAX_SEED = 2147483647;

export interface RequestProblem {
  code: RequestErrorCode;
  message: string;
}

/** A create request after validation and defaults. `images` are still unresolved references. */
export interface NormalizedCreateRequest {
  model: string;
  prompt: string;
  negativePrompt: string;
  images: string[];
  n: number;
  size: Size | undefined;
  promptExtend: boolean;
  watermark: boolean;
  seed: number | undefined;
}

const invalid = (message: string): RequestProblem => ({ code: 'InvalidParameter', message });
const missing = (name: string): RequestProblem => invalid(`Required parameter(${name}) missing or invalid, please check the request parameters.`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Truncates by characters (code points), as DashScope counts "every Chinese character or letter as 1". */
function truncateChars(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max).join('') : text;
}

export function validateCreateRequest(body: unknown): NormalizedCreateRequest | RequestProblem {
  if (!isObject(body)) return { code: 'BadRequest.IllegalInput', message: 'The input parameter requires json format.' };
  const { model, input } = body;
  const parameters = body.parameters ?? {};
  if (model === undefined || model === null || model === '') {
    return { code: 'BadRequest.EmptyModel', message: 'Required parameter "model" missing from request.' };
  }
  if (typeof model !== 'string') return missing('model');
  if (input === undefined || input === null) {
    return { code: 'BadRequest.EmptyInput', message: 'Required input parameter missing from request.' };
  }
  if (!isObject(input)) return missing('input');
  if (!isObject(parameters)) return missing('parameters');

  const { prompt, images } = input;
  const negative = input.negative_prompt ?? '';
  if (typeof prompt !== 'string' || prompt.trim() === '') return missing('input.prompt');
  if (typeof negative !== 'string') return missing('input.negative_prompt');
  if (images === undefined || images === null) return missing('input.images');
  if (!Array.isArray(images)) return invalid('Parameter input.images must be an array of 1 to 3 image URLs.');
  if (images.length < MIN_IMAGES || images.length > MAX_IMAGES) {
    return invalid(`Parameter input.images must contain 1 to 3 images, got ${images.length}.`);
  }
  for (const [i, image] of images.entries()) {
    if (typeof image !== 'string' || image.trim() === '') {
      return invalid(`Parameter input.images[${i}] must be a non-empty string (an http(s) URL, a data URI or an oss:// URL).`);
    }
  }

  const n = parameters.n ?? DEFAULT_N;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_N) return invalid('Range of n should be [1, 4]');

  let size: Size | undefined;
  if (parameters.size !== undefined && parameters.size !== null) {
    if (typeof parameters.size !== 'string') return invalid('Parameter size must be a string like "1280*1280".');
    const parsed = parseSize(parameters.size);
    if (typeof parsed === 'string') return invalid(parsed);
    size = parsed;
  }

  const seed = parameters.seed ?? undefined;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)) {
    return invalid('Range of seed should be [0, 2147483647]');
  }

  const promptExtend = parameters.prompt_extend ?? true;
  if (typeof promptExtend !== 'boolean') return invalid('Parameter prompt_extend must be a boolean.');
  const watermark = parameters.watermark ?? false;
  if (typeof watermark !== 'boolean') return invalid('Parameter watermark must be a boolean.');

  return {
    model,
    prompt: truncateChars(prompt, MAX_PROMPT_CHARS),
    negativePrompt: truncateChars(negative, MAX_NEGATIVE_PROMPT_CHARS),
    images: images as string[],
    n,
    size,
    promptExtend,
    watermark,
    seed,
  };
}

export function isRequestProblem(value: NormalizedCreateRequest | RequestProblem): value is RequestProblem {
  return 'code' in value;
}
