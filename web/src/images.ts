/**
 * Input images as the console holds them: the file, a preview (an object URL, never uploaded
 * anywhere), its decoded size and format, and the problem the server would report, checked
 * here first with the protocol's own limits and messages (packages/sdk/src/protocol/image-limits.ts).
 */
import { checkImageLimits, sniffImageFormat, type InputImageFormat, type RequestProblem } from '@retouch/sdk/protocol';

export interface PickedImage {
  readonly id: string;
  readonly file: File;
  readonly previewUrl: string;
  readonly format: InputImageFormat | undefined;
  readonly width: number | undefined;
  readonly height: number | undefined;
  readonly bytes: number;
  /** The first bytes, for the format check. */
  readonly head: Uint8Array;
}

let counter = 0;

async function decodedSize(file: Blob): Promise<{ width: number; height: number } | undefined> {
  try {
    const bitmap = await createImageBitmap(file);
    const dims = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return dims;
  } catch {
    return undefined;
  }
}

export async function pickImage(file: File): Promise<PickedImage> {
  const head = new Uint8Array(await file.slice(0, 32).arrayBuffer());
  const format = sniffImageFormat(head);
  const dims = format ? await decodedSize(file) : undefined;
  return {
    id: `img-${++counter}`,
    file,
    previewUrl: URL.createObjectURL(file),
    format,
    width: dims?.width,
    height: dims?.height,
    bytes: file.size,
    head,
  };
}

/** The server's problem with image `index`, or undefined when it passes the protocol's checks. */
export function imageProblem(image: PickedImage, index: number): RequestProblem | undefined {
  const dims = image.width !== undefined && image.height !== undefined ? { width: image.width, height: image.height } : undefined;
  return checkImageLimits(`input.images[${index}]`, { byteLength: image.bytes, head: image.head, dims });
}

/** The data URI the create request carries (typed by content, as the server reads it). */
export async function toDataUri(image: PickedImage): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.readAsDataURL(image.file);
  });
  const base64 = url.slice(url.indexOf(',') + 1);
  return `data:image/${image.format ?? 'png'};base64,${base64}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
