/**
 * The Engine port: turns input images and an instruction into one output image.
 *
 * Contract:
 * - `edit` is called once per output image (index 0..n-1) with `seed` = task seed + index.
 * - It resolves with a PNG of the requested `size` (or, without one, about 1280*1280 pixels at
 *   the edited image's aspect ratio: `defaultOutputSize`), already watermarked if asked.
 * - It rejects with an `EditError` for anything the user can fix or should know about (an
 *   instruction it does not understand, an operation that failed on this input); the task
 *   records its `code` and `message`. Any other rejection is reported as an internal error.
 * - It stops early, rejecting with `signal.reason`, once `signal` aborts (cancel, shutdown,
 *   deadline); between steps is enough.
 * - It must not keep references to the input buffers after settling.
 */
import type { Size } from '../protocol/size.js';

export interface EditRequest {
  /** The input images' bytes (JPEG/PNG/BMP/WEBP), "image 1" first. */
  readonly images: readonly Buffer[];
  readonly prompt: string;
  readonly negativePrompt: string;
  /** 0-based position of this output among the task's n outputs. */
  readonly index: number;
  /** The task's n (how many outputs it has in all), for engines that can make several per upstream call. */
  readonly count?: number;
  readonly seed: number;
  readonly size: Size | undefined;
  readonly promptExtend: boolean;
  readonly watermark: boolean;
  readonly signal: AbortSignal;
}

export interface EditResult {
  readonly png: Buffer;
  /** The instruction as the engine understood it; reported when prompt_extend is on. */
  readonly actualPrompt?: string;
}

export interface Engine {
  readonly name: string;
  edit(request: EditRequest): Promise<EditResult>;
  /** Releases models, child processes and the like. */
  close?(): Promise<void>;
}

/** A failure with a stable DashScope code and a message safe to show the user. */
export class EditError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EditError';
  }
}
