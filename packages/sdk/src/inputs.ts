/**
 * Input images as the SDK accepts them, and their conversion to what goes on the wire
 * (`https://…`, `data:…;base64,…` or `oss://…`).
 *
 * Local files, Buffers and streams are sent one of two ways (`localFiles` option):
 * - `'auto'` (default): inlined as a data URI when the file is at most `inlineMaxBytes`
 *   (default 4 MiB, so three images keep the JSON body near 16 MB), uploaded through the
 *   temporary-upload flow (`oss://`) otherwise;
 * - `'upload'`: always uploaded, like the official Python SDK does;
 * - `'inline'`: always inlined (the server refuses files over 10 MB).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DashScopeError, SdkErrorCodes } from './errors.js';

/**
 * One input image:
 * - a string: `http(s)://` URL, `data:` URI or `oss://` key (sent as they are), a `file://` URL
 *   or a local path (read from disk);
 * - bytes: a Buffer / Uint8Array, a Node `Readable` or a web `ReadableStream`;
 * - `{ path }` or `{ data, filename? }` to be explicit.
 */
export type ImageInput =
  | string
  | Uint8Array
  | Readable
  | ReadableStream<Uint8Array>
  | { readonly path: string }
  | { readonly data: Uint8Array | Readable | ReadableStream<Uint8Array>; readonly filename?: string };

export type LocalFilesMode = 'auto' | 'upload' | 'inline';

/** The protocol's per-image limit. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_INLINE_MAX_BYTES = 4 * 1024 * 1024;

const MIME_BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  bmp: 'image/bmp',
  webp: 'image/webp',
};

/** The image type from its first bytes (PNG, JPEG, WEBP, BMP), or from the file name. */
export function imageMimeType(bytes: Uint8Array, filename?: string): string | undefined {
  const b = bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b[0] === 0x42 && b[1] === 0x4d) return 'image/bmp';
  if (b.length >= 12 && Buffer.from(b.subarray(0, 4)).toString('latin1') === 'RIFF' && Buffer.from(b.subarray(8, 12)).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  const ext = filename?.toLowerCase().split('.').pop();
  return ext ? MIME_BY_EXT[ext] : undefined;
}

export function toDataUri(bytes: Uint8Array, filename?: string): string {
  const mime = imageMimeType(bytes, filename) ?? 'image/png';
  return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

const invalidInput = (message: string) => new DashScopeError({ code: SdkErrorCodes.input, message, status: 0 });

/** Reads a stream fully, refusing more than `limit` bytes. */
export async function readAll(stream: Readable | ReadableStream<Uint8Array>, limit: number): Promise<Buffer> {
  const readable = stream instanceof Readable ? stream : Readable.fromWeb(stream as import('node:stream/web').ReadableStream<Uint8Array>);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of readable) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > limit) {
      readable.destroy();
      throw invalidInput(`An input stream is larger than ${limit} bytes.`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

const isRemote = (s: string) => /^(https?|data|oss):/i.test(s.trim());

/** A local input, read into memory (images are at most 10 MB). */
export interface LocalImage {
  readonly bytes: Buffer;
  readonly filename: string;
}

/** Reads a non-remote input; returns the wire string as is for URLs, data URIs and oss:// keys. */
export async function loadInput(input: ImageInput, index: number): Promise<string | LocalImage> {
  const fallbackName = `image-${index}`;
  if (typeof input === 'string') {
    if (isRemote(input)) return input.trim();
    const path = input.startsWith('file://') ? fileURLToPath(input) : input;
    return readLocal(path);
  }
  if (input instanceof Uint8Array) return { bytes: Buffer.from(input), filename: fallbackName };
  if (input instanceof Readable || input instanceof ReadableStream) {
    return { bytes: await readAll(input, MAX_IMAGE_BYTES), filename: fallbackName };
  }
  if ('path' in input) return readLocal(input.path);
  const data = input.data;
  const bytes = data instanceof Uint8Array ? Buffer.from(data) : await readAll(data, MAX_IMAGE_BYTES);
  return { bytes, filename: input.filename ?? fallbackName };
}

async function readLocal(path: string): Promise<LocalImage> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw invalidInput(`Input image "${path}" is neither a URL, a data URI, an oss:// key nor a readable file.`);
  }
  if (size > MAX_IMAGE_BYTES) throw invalidInput(`Input image "${path}" has ${size} bytes; the limit is 10 MB.`);
  return { bytes: await readFile(path), filename: basename(path) };
}
