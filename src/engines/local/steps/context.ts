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
}
