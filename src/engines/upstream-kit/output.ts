/**
 * What an upstream engine hands back to the worker: a PNG of exactly the size the task asked for
 * (or its default size), watermarked when asked, as the Engine port promises.
 *
 * The rule for an upstream image of another format or size: it is decoded (EXIF orientation
 * applied), scaled to *cover* the wanted size and centre-cropped to it, so the aspect ratio is
 * never distorted and no border is added; then encoded as PNG. A PNG of the right size that needs
 * no watermark is passed through byte for byte.
 */
import sharp from 'sharp';
import { defaultOutputSize, type Size } from '@retouch/sdk/protocol';
import { displayedSize } from '../../inputs/image-check.js';
import { fromSharp, toSharp } from '../local/image.js';
import { applyWatermark } from '../local/watermark.js';
import { upstreamError, UpstreamCodes } from './errors.js';

/** Upstream results larger than this are refused (a 1280² PNG is ~5 MB; 8K×8K is the useful top). */
const MAX_UPSTREAM_PIXELS = 8192 * 8192;

export async function normalizeOutput(bytes: Buffer, size: Size, watermark: boolean, what: string): Promise<Buffer> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: MAX_UPSTREAM_PIXELS }).metadata();
  } catch {
    throw upstreamError(UpstreamCodes.badResponse, `${what} is not an image retouch can decode.`);
  }
  const exact = meta.width === size.width && meta.height === size.height && (meta.orientation ?? 1) === 1;
  if (meta.format === 'png' && exact && !watermark) return bytes;
  try {
    let img = await fromSharp(
      sharp(bytes, { limitInputPixels: MAX_UPSTREAM_PIXELS }).autoOrient().resize(size.width, size.height, { fit: 'cover', position: 'centre' }),
    );
    if (watermark) img = await applyWatermark(img);
    return await toSharp(img).png().toBuffer();
  } catch {
    throw upstreamError(UpstreamCodes.badResponse, `${what} could not be decoded.`);
  }
}

/**
 * The size to ask the upstream for: the task's, or the default for the first input's aspect as
 * displayed. Read from the header, as intake read it: intake checks PNG and JPEG by structure
 * alone, so a file sharp cannot open (an unknown critical PNG chunk) reaches here, and is the
 * model's to judge, not an internal error.
 */
export function wantedSize(size: Size | undefined, firstImage: Buffer): Size {
  if (size) return size;
  const { width, height } = displayedSize(firstImage) ?? { width: 1280, height: 1280 };
  return defaultOutputSize(width, height);
}

/** The image format of some bytes, by content, for file names and MIME types of uploads. */
export function sniffImage(bytes: Buffer): { ext: string; mime: string } {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) return { ext: 'png', mime: 'image/png' };
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { ext: 'jpg', mime: 'image/jpeg' };
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return { ext: 'webp', mime: 'image/webp' };
  if (bytes.length >= 2 && bytes.toString('latin1', 0, 2) === 'BM') return { ext: 'bmp', mime: 'image/bmp' };
  return { ext: 'bin', mime: 'application/octet-stream' };
}
