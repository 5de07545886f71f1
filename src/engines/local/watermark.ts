/** The "AI生成" mark DashScope puts in the bottom-right corner when watermark=true. */
import type { Img } from './image.js';
import { addText } from './steps/text.js';

const WHITE = { rgb: [255, 255, 255] as const, en: 'white', zh: '白色' };

/** Drawn with the shipped CJK font (Noto Sans Hans), white at 85 % with a soft dark shadow. */
export function applyWatermark(img: Img): Promise<Img> {
  return addText(img, 'AI生成', 'bottom-right', WHITE, 0.035, 0.85);
}
