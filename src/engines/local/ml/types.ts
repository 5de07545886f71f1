/** Pixel buffers exchanged with the ML models (interleaved, 8 bits per channel, sRGB). */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** An axis-aligned box in the input image's pixel coordinates. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export interface MlModels {
  /** Foreground matte: one byte per pixel (255 = subject), same width/height as the input. */
  segmentForeground(image: RawImage, signal: AbortSignal): Promise<Buffer>;
  detectFaces(image: RawImage, signal: AbortSignal): Promise<Box[]>;
  upscale(image: RawImage, factor: 2 | 4, signal: AbortSignal): Promise<RawImage>;
  detectText(image: RawImage, signal: AbortSignal): Promise<Box[]>;
  /** Fills mask (1 byte/pixel, 255 = fill) from surrounding pixels. */
  inpaint(image: RawImage, mask: Buffer, signal: AbortSignal): Promise<RawImage>;
  close(): Promise<void>;
}
