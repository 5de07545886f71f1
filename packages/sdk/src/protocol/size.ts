/**
 * Output size rules of wan2.5-i2i-preview: `size` is "W*H" with W*H in [768², 1280²] and an
 * aspect ratio in [1:4, 4:1]. Without `size`, the output has about 1280² pixels at the aspect
 * ratio of the (edited) image.
 */
export interface Size {
  readonly width: number;
  readonly height: number;
}

export const MIN_OUTPUT_PIXELS = 768 * 768;
export const MAX_OUTPUT_PIXELS = 1280 * 1280;
export const MAX_ASPECT = 4;

/** Parses "1280*720"; returns an error message (for InvalidParameter) when out of range. */
export function parseSize(text: string): Size | string {
  const m = /^\s*(\d{1,5})\s*\*\s*(\d{1,5})\s*$/.exec(text);
  if (!m) return `Parameter size must look like "1280*1280" (width*height in pixels), got "${text.slice(0, 40)}".`;
  const width = Number(m[1]);
  const height = Number(m[2]);
  const pixels = width * height;
  if (pixels < MIN_OUTPUT_PIXELS || pixels > MAX_OUTPUT_PIXELS) {
    return `Parameter size ${width}*${height} has ${pixels} pixels; it must be between 768*768 (${MIN_OUTPUT_PIXELS}) and 1280*1280 (${MAX_OUTPUT_PIXELS}).`;
  }
  if (width / height > MAX_ASPECT || height / width > MAX_ASPECT) {
    return `Parameter size ${width}*${height} has an aspect ratio outside [1:4, 4:1].`;
  }
  return { width, height };
}

/**
 * The default output size for an image of the given aspect: about 1280*1280 pixels, aspect
 * clamped to [1:4, 4:1], both sides multiples of 16 (as wan2.6 documents; wan2.5 is silent) and
 * never above the pixel budget.
 */
export function defaultOutputSize(width: number, height: number): Size {
  const aspect = Math.min(MAX_ASPECT, Math.max(1 / MAX_ASPECT, width / height));
  let w = Math.round(Math.sqrt(MAX_OUTPUT_PIXELS * aspect) / 16) * 16;
  let h = Math.round(w / aspect / 16) * 16;
  while (w * h > MAX_OUTPUT_PIXELS) {
    if (w / h > aspect) w -= 16;
    else h -= 16;
  }
  return { width: w, height: h };
}
