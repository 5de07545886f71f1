/**
 * Turns the `input.images` references of a create request into checked image bytes:
 * `data:` URIs are decoded, http(s) URLs are fetched through the SSRF guard, and `oss://`
 * keys of temporary uploads are read from the upload store.
 */
import { ImageRefErrors, invalidParameter } from '../errors.js';
import { checkImage, MAX_IMAGE_BYTES, tooLargeImage, type CheckedImage } from './image-check.js';
import { safeFetch, type SafeFetchOptions } from './safe-fetch.js';

export interface ResolveContext {
  readonly workspaceId: string;
  /** The task's model: temporary uploads only resolve for the model of their policy. */
  readonly model: string;
  /** The request carried `X-DashScope-OssResourceResolve: enable`. */
  readonly ossResolve: boolean;
  readonly signal?: AbortSignal;
}

export interface ImageResolver {
  resolve(refs: readonly string[], context: ResolveContext): Promise<CheckedImage[]>;
}

/** Reads temporary uploads (`oss://<key>`); absent when uploads are not enabled. */
/** Uploads are bound to the workspace and the model they were made for, as on DashScope. */
export type UploadReader = (key: string, workspaceId: string, model: string) => Promise<Buffer | undefined>;

const DATA_URI_TYPES = new Set(['image/jpeg', 'image/jpg', 'image/png', 'image/bmp', 'image/webp', 'image/x-ms-bmp']);

export function decodeDataUri(uri: string, label: string): Buffer {
  const comma = uri.indexOf(',');
  const header = comma > 0 ? uri.slice(5, comma).toLowerCase() : '';
  const parts = header.split(';').map((p) => p.trim());
  if (comma < 0 || !parts.includes('base64')) {
    throw invalidParameter(`${label} is not a valid data URI: expected data:{MIME_type};base64,{base64_data}.`);
  }
  if (!DATA_URI_TYPES.has(parts[0] ?? '')) {
    throw ImageRefErrors.dataUriType(label, parts[0] ?? '');
  }
  const maxLength = Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 4;
  // Fast path, no scan of the (up to 14 MB) string in JavaScript: Node's decoder skips what is
  // not base64 (either alphabet), so the payload was clean exactly when nothing was skipped.
  const raw = uri.slice(comma + 1);
  if (raw.length <= maxLength && raw.length > 0) {
    const bytes = Buffer.from(raw, 'base64');
    const padding = raw.endsWith('==') ? 2 : raw.endsWith('=') ? 1 : 0;
    if (bytes.length === Math.floor(((raw.length - padding) * 3) / 4) && !raw.slice(0, raw.length - padding).includes('=')) return bytes;
  }
  // Whitespace (line-wrapped base64) or a malformed payload: checked character by character.
  const payload = raw.replace(/\s+/g, '');
  if (payload.length > maxLength) throw tooLargeImage(label);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload) || payload.length === 0) {
    throw invalidParameter(`${label} is not a valid data URI: the base64 payload is malformed.`);
  }
  return Buffer.from(payload, payload.includes('-') || payload.includes('_') ? 'base64url' : 'base64');
}

export function createImageResolver(options: { fetch: SafeFetchOptions; uploads?: UploadReader }): ImageResolver {
  async function bytesOf(ref: string, label: string, context: ResolveContext): Promise<Buffer> {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(ref)?.[1]?.toLowerCase();
    switch (scheme) {
      case 'data':
        return decodeDataUri(ref, label);
      case 'http':
      case 'https':
        return (await safeFetch(ref, options.fetch, context.signal)).body;
      case 'oss': {
        if (!context.ossResolve) {
          throw ImageRefErrors.ossWithoutHeader(label);
        }
        const bytes = options.uploads ? await options.uploads(ref.slice('oss://'.length), context.workspaceId, context.model) : undefined;
        if (!bytes) {
          throw ImageRefErrors.uploadGone(label);
        }
        return bytes;
      }
      default:
        throw ImageRefErrors.badScheme(label);
    }
  }

  return {
    async resolve(refs, context) {
      // Fetch and check in parallel: three slow URLs should cost one timeout, not three.
      return Promise.all(
        refs.map(async (ref, i) => {
          const label = `input.images[${i}]`;
          return checkImage(await bytesOf(ref.trim(), label, context), label);
        }),
      );
    },
  };
}
