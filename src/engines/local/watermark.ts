/** The "AI生成" mark DashScope puts in the bottom-right corner when watermark=true. */
import type { Img } from './image.js';
import type { Size } from './ops/spec.js';
import { applyPipe, materialise, type Pipe } from './pipeline.js';
import { textPipe } from './steps/text.js';

const WHITE = { rgb: [255, 255, 255] as const, en: 'white', zh: '白色' };

/** Drawn with the shipped CJK font (Noto Sans Hans), white at 85 % with a soft dark shadow. */
export function watermarkPipe(size: Size): Promise<Pipe> {
  return textPipe(size, 'AI生成', 'bottom-right', WHITE, 0.035, 0.85);
}

/** The watermark drawn on pixels (the upstream engines' results). */
export async function applyWatermark(img: Img): Promise<Img> {
  return materialise(await applyPipe(img, await watermarkPipe(img)));
}
