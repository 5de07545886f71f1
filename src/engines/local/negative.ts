/**
 * negative_prompt: what the result should not look like. The explicit instruction always wins (a
 * boilerplate negative prompt such as "blurry, text, watermark, low quality" must not cancel
 * "add the text 'Sale'"), so the negative prompt only steers the choices the engine makes by
 * itself. Recognised (EN/ZH), everything else is ignored:
 * - cropped / cut off / 裁剪 / 裁切: the final fit to `size` pads with a blurred fill instead of
 *   cropping when the aspect ratios differ;
 * - stretched / distorted / 拉伸 / 变形: "resize to W×H" keeps the aspect ratio (cover) instead of
 *   stretching;
 * - black borders / black corners / black bars / 黑边 / 黑角: rotation by an angle that is not a
 *   multiple of 90° crops to the largest inner rectangle instead of filling the corners black;
 * - blurry / blur / soft / 模糊: when the final fit enlarges the image, a light sharpen follows.
 */
export interface NegativeHints {
  readonly noCrop: boolean;
  readonly noStretch: boolean;
  readonly noBlackBorders: boolean;
  readonly noBlur: boolean;
}

export const NO_HINTS: NegativeHints = { noCrop: false, noStretch: false, noBlackBorders: false, noBlur: false };

export function parseNegativePrompt(text: string): NegativeHints {
  const t = text.toLowerCase();
  if (t.trim() === '') return NO_HINTS;
  return {
    noCrop: /\bcrop(?:ped|ping)?\b|\bcut[\s-]*off\b|裁剪|裁切|截断|被裁/.test(t),
    noStretch: /\bstretch(?:ed|ing)?\b|\bdistort(?:ed|ion)?\b|\bsquash(?:ed)?\b|拉伸|变形|失真|压扁/.test(t),
    noBlackBorders: /\bblack\s+(?:borders?|corners?|bars?|edges?)\b|黑边|黑角|黑色边/.test(t),
    noBlur: /\bblur(?:ry|red)?\b|\bsoft\b|\bout\s+of\s+focus\b|模糊|虚焦|不清晰/.test(t),
  };
}
