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
import type { TaskErrorCode, Size } from '@retouch/sdk/protocol';

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

/**
 * A failure with a stable DashScope code (one of protocol/error-codes.ts's task codes) and a
 * message safe to show the user.
 */
export class EditError extends Error {
  /** A TaskErrorCode, or the code of a DashScope upstream passed through (`fromUpstream`). */
  readonly code: string;

  constructor(code: TaskErrorCode, message: string) {
    super(message);
    this.name = 'EditError';
    this.code = code;
  }

  /** A DashScope upstream's own failure, its code passed through unchanged (docs/errors.md, "Task errors"). */
  static fromUpstream(code: string, message: string): EditError {
    // The one place a code outside retouch's list enters a task, on purpose.
    return new EditError(code as TaskErrorCode, message);
  }
}
