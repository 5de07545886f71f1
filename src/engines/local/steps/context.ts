/** What a step may use besides its own image: other inputs, the seed, the ML models, the hints. */
import type { MlModels } from '../ml/index.js';
import type { Img } from '../image.js';
import type { NegativeHints } from '../negative.js';

export interface StepContext {
  /** Per-operation seed (request seed mixed with the operation's index). */
  readonly seed: number;
  readonly signal: AbortSignal;
  readonly hints: NegativeHints;
  /** Input k (1-based) as edited so far; image 1 is the current result until a fusion. */
  image(k: number): Promise<Img>;
  /** How many input images the request has. */
  readonly imageCount: number;
  ml(): Promise<MlModels>;
  /**
   * Runs an ML step when the process's models are free (one ML step at a time; the worker runs
   * one model at a time anyway). The step's input is computed inside, so edits waiting for their
   * turn hold their encoded input, not its pixels. Absent: at once (tests calling steps directly).
   */
  mlTurn?<T>(step: () => Promise<T>): Promise<T>;
}
