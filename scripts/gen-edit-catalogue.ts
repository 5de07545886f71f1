/**
 * Generates docs/edits.md (the catalogue of the local engine's operations) and its before/after
 * thumbnails in docs/edits/. Every example instruction is parsed here and must give the operation
 * it documents, so the catalogue cannot drift from the parser.
 *
 *   npx tsx scripts/gen-edit-catalogue.ts [--no-images]
 *
 * ML operations are rendered with the real models when they load (src/engines/local/ml); if they
 * cannot, the entry is written without a picture and the script says so.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createLocalEngine } from '../src/engines/local/local-engine.js';
import { parseInstruction } from '../src/engines/local/parser/index.js';
import type { OperationKind } from '../src/engines/local/plan.js';
import { figureImage, sceneImage } from './lib/scene.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'docs', 'edits');
const THUMB_H = 200;

interface Entry {
  readonly id: string;
  readonly title: string;
  readonly op: OperationKind;
  readonly en: readonly string[];
  readonly zh: readonly string[];
  readonly params: string;
  /** The instruction rendered for the picture and the inputs it uses. */
  readonly demo?: { readonly prompt: string; readonly inputs?: 'scene' | 'small-scene' | 'figure' | 'two' | 'three' | 'text-on-scene'; readonly ml?: true };
}

interface Family {
  readonly name: string;
  readonly entries: readonly Entry[];
}

const FAMILIES: readonly Family[] = [
  {
    name: 'Tone and colour',
    entries: [
      { id: 'grayscale', title: 'Grayscale', op: 'grayscale', en: ['convert to grayscale', 'make it black and white', 'monochrome'], zh: ['转成黑白', '灰度', '去色'], params: 'R = G = B = 0.299 R + 0.587 G + 0.114 B.', demo: { prompt: 'black and white' } },
      { id: 'sepia', title: 'Sepia / vintage', op: 'sepia', en: ['sepia', 'make it look vintage', 'retro style', 'old photo look'], zh: ['棕褐色调', '复古风格', '老照片的感觉'], params: '"sepia": the classic sepia matrix at full strength ("slight" 50 %). "vintage/retro/复古/老照片": sepia at 70 % plus a 30 % vignette (two operations in the plan).', demo: { prompt: 'vintage' } },
      { id: 'invert', title: 'Invert (negative)', op: 'invert', en: ['invert the colors', 'make a negative'], zh: ['反色', '负片效果', '颜色反转'], params: 'Every channel becomes 255 − value (alpha kept).', demo: { prompt: 'invert' } },
      { id: 'brightness', title: 'Brightness', op: 'brightness', en: ['make it brighter', 'increase brightness by 30%', 'darker', 'set brightness to 150%'], zh: ['调亮一点', '亮度提高30%', '变暗', '亮度提高百分之二十'], params: 'Vague: ±20 %; "slightly/一点" ±10 %; "much/大幅" ±40 %; "by N%" relative, "to N%" absolute; "twice as bright" ×2. libvips `modulate` (lightness).', demo: { prompt: 'much brighter' } },
      { id: 'contrast', title: 'Contrast', op: 'contrast', en: ['increase contrast', 'lower the contrast by 30%'], zh: ['对比度提高20%', '降低对比度'], params: 'Same amounts as brightness; out = f·(in − 128) + 128.', demo: { prompt: 'increase contrast by 50%' } },
      { id: 'saturation', title: 'Saturation', op: 'saturation', en: ['more saturated', 'make the colors more vivid', 'desaturate', 'muted colours'], zh: ['饱和度提高50%', '颜色更鲜艳', '降低饱和度', '淡雅一些'], params: 'Up: +30 % by default; "desaturate/muted/淡雅": −40 %. libvips `modulate`.', demo: { prompt: 'more vivid' } },
      { id: 'hue', title: 'Hue shift', op: 'hue', en: ['shift the hue by 90 degrees', 'hue shift ninety degrees'], zh: ['色相偏移30度', '色相旋转九十度'], params: 'Degrees around the colour wheel (default 60°), normalised to −180…180.', demo: { prompt: 'hue shift 90 degrees' } },
      { id: 'temperature', title: 'Warmer / cooler', op: 'temperature', en: ['make it warmer', 'cooler', 'much warmer'], zh: ['暖色调', '冷色调', '色温调暖一点'], params: 'Default 15 % (slightly 7.5 %, much 30 %): R ×(1 + 0.6a), G ×(1 + 0.1a), B ×(1 − 0.6a).', demo: { prompt: 'much warmer' } },
      { id: 'tint', title: 'Tint with a colour', op: 'tint', en: ['add a blue tint', 'apply a green filter', 'tint #ff8800 at 50%', 'give it a golden cast'], zh: ['加一层蓝色滤镜', '偏红色调', '染成粉色', '整体调成紫色'], params: 'Colour names in English and Chinese (red/红, light blue/浅蓝/天蓝, navy/藏青, gold/金, …, 23 colours with aliases) or #rrggbb. Strength 35 % by default; the luminance is coloured and mixed in.', demo: { prompt: 'add a blue tint' } },
      { id: 'auto-enhance', title: 'Auto-enhance', op: 'autoEnhance', en: ['auto enhance', 'enhance the photo', 'auto levels', 'improve the image'], zh: ['自动增强', '一键美化', '优化一下画面'], params: 'Stretches the 1st–99th percentile to the full range (libvips `normalise`), saturation +8 %.', demo: { prompt: 'auto enhance' } },
      { id: 'posterize', title: 'Posterize', op: 'posterize', en: ['posterize', 'posterize to 6 levels', 'poster effect with three colors'], zh: ['色调分离', '海报效果，五级'], params: 'Levels per channel, default 4 (2–16).', demo: { prompt: 'posterize' } },
      { id: 'vignette', title: 'Vignette', op: 'vignette', en: ['add a vignette', 'darken the corners', 'strong vignette'], zh: ['加暗角', '添加轻微的暗角'], params: 'Corners darkened by 45 % by default (slight 22 %, strong 90 %), smooth radial falloff.', demo: { prompt: 'strong vignette' } },
      { id: 'grain', title: 'Film grain (seeded)', op: 'grain', en: ['add film grain', 'make it grainy', 'add 50% grain'], zh: ['加胶片颗粒', '添加噪点'], params: 'Monochrome noise, amount 30 % by default. **Seeded**: the pattern follows the request seed (output i uses seed + i); same seed → identical bytes.', demo: { prompt: 'add strong film grain' } },
    ],
  },
  {
    name: 'Geometry',
    entries: [
      { id: 'rotate', title: 'Rotate', op: 'rotate', en: ['rotate 90 degrees', 'rotate ninety degrees counter-clockwise', 'rotate left', 'tilt it 10 degrees'], zh: ['旋转90度', '逆时针旋转45度', '顺时针旋转一百八十度', '向左旋转'], params: 'Clockwise by default, 90° when no angle is given. Multiples of 90° are exact (pixels move, nothing resampled); other angles enlarge the canvas with black corners (transparent if the image has alpha; cropped to the largest inner rectangle when the negative prompt says "black borders").', demo: { prompt: 'rotate 15 degrees' } },
      { id: 'flip', title: 'Flip / mirror', op: 'flip', en: ['flip horizontally', 'mirror the image', 'flip it upside down', 'flip horizontally and vertically'], zh: ['水平翻转', '左右镜像', '上下翻转', '垂直翻转图片'], params: 'Horizontal unless "vertical/upside down/上下/垂直" is said.', demo: { prompt: 'mirror the image' } },
      { id: 'crop', title: 'Crop', op: 'cropAspect', en: ['crop to a square', 'make it 16:9', 'crop to 16:9', 'crop the centre 50%', 'crop 10% from each side', 'crop the left half', 'zoom in 2x'], zh: ['裁剪成正方形', '裁剪为16:9', '裁成4比3', '裁剪保留中间60%', '裁掉右半部分', '拉近'], params: 'Aspect ratio (square, W:H, "W by H", 宽屏/竖屏), centred; "the centre N%" keeps that fraction; "N% from each side" removes it; halves; "zoom in N×" keeps 1/N. Plain "crop" keeps the centre 80 %.', demo: { prompt: 'crop to a square' } },
      { id: 'trim', title: 'Trim margins', op: 'trim', en: ['trim the white margins', 'remove the white border', 'auto crop'], zh: ['去白边', '裁掉空白'], params: 'Removes plain-coloured margins (libvips `find_trim`, threshold 12); a plain image is left as is.', demo: { prompt: 'trim the margins', inputs: 'scene' } },
      { id: 'resize', title: 'Resize / scale', op: 'resize', en: ['scale to 50%', 'make it twice as big', 'shrink by 30%', 'resize to 800x600', 'resize to 800 pixels wide'], zh: ['缩小一半', '放大两倍', '缩放到50%', '尺寸调整为800x600', '宽度调整为640像素'], params: 'Scale factor or pixel size (one side keeps the aspect ratio; both sides stretch unless the negative prompt says "stretched/变形", then it crops). The output still follows the `size` parameter; resize matters for the aspect ratio and detail. Working limit 25 megapixels.' },
      { id: 'extend', title: 'Extend the canvas (outpaint)', op: 'extend', en: ['extend the canvas by 20%', 'outpaint to 16:9', 'expand the image by 30% on the left and right', 'extend the top by 25% with a blurred fill', 'zoom out 2x', 'extend to a square with white', 'letterbox it', 'add black bars top and bottom'], zh: ['扩图到16:9', '画布向左右扩展30%', '四周扩展20%，用模糊背景填充', '上方留白', '上下加黑边'], params: 'By a fraction per side (default 20 %), or to an aspect ratio. Fill: edge-aware by default (mirrored edges, softened with a blur so they continue the picture), "blurred" (a blurred enlargement of the image), or a colour. "留白" fills white; "letterbox", "black bars top and bottom", "上下加黑边" add 10 % bars (black unless a colour is named).', demo: { prompt: 'outpaint to 21:9' } },
      { id: 'border', title: 'Border / frame', op: 'border', en: ['add a border', 'add a 20px black border', 'add a thin red frame', 'frame it in gold, 5% wide'], zh: ['加白色边框', '加一个10像素的黑色边框', '添加粗的红色相框'], params: 'Width 3 % of the shorter side (thin 1 %, thick 7 %, or N px / N %); white unless a colour is named.', demo: { prompt: 'add a thick gold frame' } },
    ],
  },
  {
    name: 'Filters',
    entries: [
      { id: 'blur', title: 'Blur', op: 'blur', en: ['blur', 'blur the image slightly', 'heavy blur', 'gaussian blur radius 8'], zh: ['模糊', '轻微模糊'], params: 'Gaussian; σ = 0.6 % of the shorter side (×0.5 slightly, ×2 heavy) or the radius given in pixels.', demo: { prompt: 'blur' } },
      { id: 'sharpen', title: 'Sharpen', op: 'sharpen', en: ['sharpen', 'make it sharper', 'sharpen a lot'], zh: ['锐化', '让图片更清晰'], params: 'Unsharp mask (libvips `sharpen`), σ 1.2 (0.7 slight, 2 strong).', demo: { prompt: 'sharpen a lot' } },
      { id: 'denoise', title: 'Denoise', op: 'denoise', en: ['denoise', 'reduce the noise', 'remove noise strongly'], zh: ['降噪', '去除噪点'], params: 'Median filter 3×3 (5×5 strong).', demo: { prompt: 'remove noise strongly' } },
      { id: 'pixelate', title: 'Pixelate / mosaic', op: 'pixelate', en: ['pixelate', 'pixelate with large blocks', 'mosaic effect', '8-bit style'], zh: ['马赛克', '像素化'], params: 'Blocks of 1/40 of the shorter side (1/20 large, 1/80 small).', demo: { prompt: 'pixelate' } },
      { id: 'sketch', title: 'Pencil sketch', op: 'sketch', en: ['pencil sketch', 'turn it into a sketch', 'make it look like a pencil drawing'], zh: ['素描', '转成铅笔画', '线稿风格'], params: 'Grey image colour-dodged by its blurred negative.', demo: { prompt: 'pencil sketch' } },
      { id: 'cartoon', title: 'Cartoon', op: 'cartoon', en: ['cartoon', 'make it look like a cartoon', 'comic book style'], zh: ['卡通风格', '动漫效果'], params: 'Median-smoothed, saturated, posterized colours with dark outlines from an edge detector.', demo: { prompt: 'cartoon' } },
      { id: 'emboss', title: 'Emboss', op: 'emboss', en: ['emboss', 'apply an emboss effect'], zh: ['浮雕效果'], params: '3×3 emboss kernel on the grey image.', demo: { prompt: 'emboss' } },
    ],
  },
  {
    name: 'Text',
    entries: [
      { id: 'text', title: 'Add text', op: 'text', en: ['add text "Hello" at the top', "add the text 'Tom and Jerry' in red", 'put small yellow text "v1.0" in the top left', 'caption: Happy birthday'], zh: ['在底部添加文字“你好世界”', '在图片中间加上黄色的大字“新年快乐”', '右上角写上「限时优惠」'], params: 'The text goes in quotes ("…", \'…\', “…”, ‘…’, 「…」, 『…』, 《…》; words inside quotes are never parsed) or after "text:". Position: top, bottom (default), centre, left, right, the four corners (顶部/底部/中间/左上角…). Colour: any colour name (default white), with a soft contrasting shadow. Size: 8 % of the shorter side (small 5 %, large 12 %, huge 16 %); long text wraps and shrinks to fit. Fonts ship with the project (DejaVu Sans Bold; Noto Sans CJK SC Bold for Chinese), never the system\'s.', demo: { prompt: 'add text "Hello 你好" at the top in yellow, large' } },
    ],
  },
  {
    name: 'Several images (2–3 inputs)',
    entries: [
      { id: 'overlay', title: 'Place one image onto another', op: 'overlay', en: ['put image 2 on image 1 in the top-right corner', 'place the second image in the bottom left at 25%', 'put image 1 onto image 2 in the corner'], zh: ['把第二张图放到图1的右下角', '将图二贴在左上角'], params: 'Width 30 % of the base by default (small 20 %, large 50 %, or N %), 3 % margin; position as for text, default centre ("corner" = bottom-right). Image references: "image 2", "the second image", "图2", "第二张图", "图二".', demo: { prompt: 'put image 2 in the top-right corner at 35%', inputs: 'two' } },
      { id: 'collage', title: 'Side by side / collage', op: 'collage', en: ['put the two images side by side', 'stack images 1, 2 and 3 vertically', 'make a grid collage of all images', 'scattered collage'], zh: ['将图1和图2左右拼接', '图1、图2上下拼接', '把三张图拼成九宫格'], params: 'Side by side at the smallest common height (nothing enlarged), stacked at a common width, or a grid. "scattered/polaroid/散落": framed photos tilted and shifted by **seeded** amounts.', demo: { prompt: 'put image 1 and image 2 side by side', inputs: 'two' } },
      { id: 'blend', title: 'Blend', op: 'blend', en: ['blend image 1 and image 2', 'blend the second image at 30% opacity', 'double exposure with image 3'], zh: ['将图1和图2融合', '双重曝光'], params: 'Opacity 50 % by default; the other image is resized to cover.', demo: { prompt: 'blend image 1 and image 2 at 40%', inputs: 'two' } },
      { id: 'per-image', title: 'Edit one input before combining', op: 'rotate', en: ['rotate image 2 by 90 degrees, then put image 1 and image 2 side by side', 'make the second image black and white'], zh: ['把图2转成黑白，然后把图1和图2左右拼接'], params: 'Any operation that names an image ("image 2", "图2") edits that input; later fusion operations use the edited input. Operations without a reference edit the current result (image 1 until images are combined).', demo: { prompt: 'make image 2 black and white, then put image 1 and image 2 side by side', inputs: 'two' } },
    ],
  },
  {
    name: 'With the built-in ML models',
    entries: [
      { id: 'remove-background', title: 'Remove the background', op: 'removeBackground', en: ['remove the background', 'make the background transparent', 'cut out the subject'], zh: ['去除背景', '抠图', '背景透明'], params: 'Foreground matte → alpha channel: the PNG keeps its transparency (also through later colour steps and the final resize). People are found by a person-segmentation model; in a photo without a person, the framed subject is separated from its surroundings by GrabCut (a soft edge, and a cast shadow may count as subject).', demo: { prompt: 'remove the background', inputs: 'figure', ml: true } },
      { id: 'replace-background', title: 'Replace the background', op: 'replaceBackground', en: ['replace the background with blue', 'change the background to white', 'use image 2 as the background'], zh: ['把背景换成红色', '背景替换为图2'], params: 'A colour, or another input resized to cover; the subject is composed over it with the soft matte.', demo: { prompt: 'replace the background with light blue', inputs: 'figure', ml: true } },
      { id: 'background-blur', title: 'Blur the background (portrait mode)', op: 'backgroundBlur', en: ['blur the background', 'portrait mode', 'bokeh'], zh: ['背景虚化', '人像模式'], params: 'σ = 1.5 % of the shorter side behind the matte.', demo: { prompt: 'portrait mode', inputs: 'figure', ml: true } },
      { id: 'background-tone', title: 'Colour splash / darker background', op: 'backgroundTone', en: ['make the background black and white', 'colour splash', 'darken the background'], zh: ['背景变黑白，主体保留颜色', '把背景压暗'], params: 'The subject keeps its colours over a grey (or 45 % darker) copy of the image, composed with the soft matte.', demo: { prompt: 'make the background black and white', inputs: 'figure', ml: true } },
      { id: 'upscale', title: 'Super-resolution 2× / 4×', op: 'upscale', en: ['upscale', 'upscale 4x', 'increase the resolution'], zh: ['超分辨率放大两倍', '高清放大4倍'], params: 'ESRGAN; 2× unless 3× or more is asked (then 4×). Refused if the result would pass 25 megapixels. (Picture: a 192×128 input; both sides shown at the same height, the left one enlarged by the thumbnail resize.)', demo: { prompt: 'upscale 4x', inputs: 'small-scene', ml: true } },
      { id: 'faces', title: 'Blur or pixelate faces', op: 'faces', en: ['blur the faces', 'pixelate all faces', 'anonymize faces'], zh: ['人脸打码', '模糊人脸'], params: 'Detected face boxes grown by 15 %; blur σ = box/6, or 8 blocks across. (No picture: the repository ships no photo of a real face.)' },
      { id: 'remove-text', title: 'Remove overlaid text / watermarks', op: 'removeText', en: ['remove the watermark', 'remove all text', 'erase the captions'], zh: ['去水印', '去除图片上的文字'], params: 'Text boxes (grown a little) → mask → inpainting from the surrounding pixels.', demo: { prompt: 'remove the text', inputs: 'text-on-scene', ml: true } },
      { id: 'cutout', title: 'Put the subject of one image onto another', op: 'cutout', en: ['cut out the person in image 2 and put it on image 1', 'put the subject of image 1 onto image 2'], zh: ['把图1的人物抠出来，放到图2上'], params: 'The subject is scaled to fit 85 % of the target and stands at its bottom centre; the result has the target\'s size.', demo: { prompt: 'cut out the person in image 2 and put it on image 1', inputs: 'two', ml: true } },
    ],
  },
];

async function inputsFor(kind: NonNullable<Entry['demo']>['inputs']): Promise<Buffer[]> {
  const scene = await sceneImage(768, 512);
  switch (kind) {
    case 'figure':
      return [await figureImage(512, 512)];
    case 'small-scene':
      return [await sharp(scene).extract({ left: 96, top: 256, width: 288, height: 192 }).resize(192, 128).png().toBuffer()];
    case 'two':
      return [scene, await figureImage(512, 512)];
    case 'three':
      return [scene, await figureImage(512, 512), await sceneImage(768, 512, 'dusk')];
    case 'text-on-scene': {
      const engine = createLocalEngine();
      const r = await engine.edit({ images: [scene], prompt: 'add text "SAMPLE 样张" in the centre, huge', negativePrompt: '', index: 0, seed: 1, size: { width: 768, height: 512 }, promptExtend: false, watermark: false, signal: new AbortController().signal });
      return [r.png];
    }
    default:
      return [scene];
  }
}

async function thumb(png: Buffer): Promise<Buffer> {
  const { data, info } = await sharp(png)
    .flatten({ background: { r: 204, g: 204, b: 204 } })
    .resize({ height: THUMB_H })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .extend({ right: 6, background: '#ffffff' })
    .png()
    .toBuffer();
}

async function sideBySide(parts: Buffer[]): Promise<Buffer> {
  const thumbs = await Promise.all(parts.map(thumb));
  const metas = await Promise.all(thumbs.map((t) => sharp(t).metadata()));
  const width = metas.reduce((s, m) => s + (m.width ?? 0), 0);
  let left = 0;
  const layers = thumbs.map((t, i) => {
    const layer = { input: t, left, top: 0 };
    left += metas[i]?.width ?? 0;
    return layer;
  });
  return sharp({ create: { width, height: THUMB_H, channels: 3, background: '#ffffff' } }).composite(layers).jpeg({ quality: 78, mozjpeg: true }).toBuffer();
}

function checkExamples(entry: Entry): void {
  for (const example of [...entry.en, ...entry.zh]) {
    const plan = parseInstruction(example);
    const kinds = plan.operations.map((op) => op.op);
    const ok = entry.id === 'crop' ? kinds.some((k) => k.startsWith('crop')) : entry.id === 'resize' ? kinds.some((k) => k.startsWith('resize')) : entry.id === 'per-image' ? plan.operations.some((op) => op.image !== undefined) : kinds.includes(entry.op);
    if (!ok) throw new Error(`catalogue example "${example}" parses to [${kinds.join(', ')}], not ${entry.op}`);
  }
}

async function main(): Promise<void> {
  const images = !process.argv.includes('--no-images');
  const engine = createLocalEngine();
  if (images) {
    mkdirSync(OUT_DIR, { recursive: true });
    for (const f of readdirSync(OUT_DIR)) rmSync(join(OUT_DIR, f));
  }
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  push(
    '# Edit catalogue (local engine)',
    '',
    '<!-- Generated by `npx tsx scripts/gen-edit-catalogue.ts`; edit the script, not this file. -->',
    '',
    'The built-in engine (`wan2.5-i2i-preview` served locally) turns the prompt — English, Chinese or both — into a **plan**: an ordered list of the operations below. With `prompt_extend` (the default) the plan, written back as explicit text in the prompt\'s language and ending with "Keep everything else unchanged." / "其余内容保持不变。", is the task\'s `actual_prompt`.',
    '',
    '## How instructions are read',
    '',
    '- **Chains keep their order**: commas, semicolons, full stops, "then", "and", "and then", "after that", "finally", "然后", "接着", "并且", "并", "再", "，再", "最后", "、". A clause that only adds detail to the previous one ("add text \'Hi\', in red, large") is read together with it; "A with B" is read as two operations when no single operation understands it ("black and white with high contrast").',
    '- **Quoted text is never parsed** ("…", \'…\', “…”, ‘…’, 「…」, 『…』, 《…》), so `add text "Tom and Jerry, then more"` stays one text. Phrases such as "black and white", "left and right", "top and bottom", "salt and pepper" are one idea, not a chain.',
    '- **Numbers** as digits or words: "30%", "thirty percent", "ninety degrees", "one hundred and eighty", "half", "twice", "两倍", "九十度", "一百八十度", "百分之三十", "一半"; full-width digits too.',
    '- **Image references**: "image 2", "picture #2", "the second image", "the other image", "both images", "图2", "图片2", "第二张图", "图二", "两张图".',
    '- **Vague amounts get defaults**: "brighter" = +20 %, "slightly / a bit / 稍微 / 一点" halves it, "much / a lot / 大幅 / 明显" doubles it.',
    '- **Direction words count**: "less dark" brightens, "less saturated" / "not so warm" go the other way, "less blurry" sharpens, "too dark / 太暗了" brightens; "about / 左右" after a number is ignored.',
    '- **Negative instructions are refused** ("don\'t rotate", "不要旋转"): the engine only carries out edits; what the result must avoid goes in `negative_prompt`.',
    '- **Nothing is silently dropped**: every word must belong to an operation or be filler ("please", "the image", "请", "把图片", "一下"). Otherwise the task fails with `InvalidParameter` and a message that quotes the part not understood and names the closest supported operations (by edit distance on words, shared characters in Chinese), e.g. `The instruction part "add a dog" is not supported by the built-in engine. Closest supported operations: add text, extend canvas / outpaint, film grain. See docs/edits.md for the catalogue.` At most 20 operations and 2000 characters.',
    '- **Language of `actual_prompt`**: Chinese when Chinese characters dominate the prompt outside quotes, else English.',
    '',
    '## negative_prompt',
    '',
    'The explicit instruction always wins: a boilerplate negative prompt such as "blurry, text, watermark, low quality" never cancels "add the text \'Sale\'" or "blur the background". The negative prompt only steers choices the engine makes by itself:',
    '',
    '| negative prompt mentions | effect |',
    '|---|---|',
    '| cropped, cut off, 裁剪, 裁切, 截断 | when the edited image\'s aspect ratio differs from `size`, it is fitted whole onto a blurred copy instead of centre-cropped |',
    '| stretched, distorted, squashed, 拉伸, 变形, 失真 | "resize to W×H" keeps the aspect ratio (crops) instead of stretching |',
    '| black borders/corners/bars/edges, 黑边, 黑角 | rotating by an angle that is not a multiple of 90° crops to the largest inner rectangle instead of filling the corners black |',
    '| blurry, blur, soft, out of focus, 模糊, 虚焦 | when the final fit enlarges the image, a light sharpen follows |',
    '',
    'Everything else in the negative prompt is ignored.',
    '',
    '## Seeds, n and output',
    '',
    '- Output i of a task uses seed + i. Seeded operations (film grain, scattered collage) differ per output; everything else is identical across outputs. The same request with the same seed gives byte-identical PNGs.',
    '- The result is fitted to `size` (centre crop), or without `size` to about 1280×1280 at the edited aspect ratio; `watermark=true` adds "AI生成" bottom-right (shipped CJK font). Transparency from "remove background" is kept in the PNG.',
    '- Inputs: EXIF orientation applied, alpha dropped; up to 3 images; working images stay under 25 megapixels. Inputs larger than the output needs are shrunk on load (to twice the output pixels, more when the plan crops in), unless the plan uses absolute pixel sizes (resize, upscale, "20px border", "blur radius 5") or trims.',
    '- Between steps the engine checks the task\'s cancel/deadline signal.',
    '',
  );
  for (const family of FAMILIES) {
    push(`## ${family.name}`, '');
    for (const entry of family.entries) {
      checkExamples(entry);
      push(`### ${entry.title}`, '', `- English: ${entry.en.map((e) => `\`${e}\``).join(', ')}`, `- 中文: ${entry.zh.map((e) => `\`${e}\``).join('、')}`, `- ${entry.params}`, '');
      if (!images || !entry.demo) continue;
      try {
        const inputs = await inputsFor(entry.demo.inputs);
        const result = await engine.edit({ images: inputs, prompt: entry.demo.prompt, negativePrompt: '', index: 0, seed: 7, size: undefined, promptExtend: true, watermark: false, signal: new AbortController().signal });
        const jpeg = await sideBySide([...inputs, result.png]);
        const file = `${entry.id}.jpg`;
        writeFileSync(join(OUT_DIR, file), jpeg);
        push(`![${entry.title}: ${entry.demo.inputs === 'two' ? 'image 1, image 2' : 'before'} → after](edits/${file})`, '', `*\`${entry.demo.prompt}\` → ${result.actualPrompt ?? ''}*`, '');
        process.stderr.write(`${file} ${(jpeg.length / 1024).toFixed(1)} KB\n`);
      } catch (err) {
        if (!entry.demo.ml) throw err;
        process.stderr.write(`${entry.id}: no picture (ML models unavailable: ${(err as Error).message.slice(0, 120)})\n`);
      }
    }
  }
  await engine.close?.();
  writeFileSync(join(ROOT, 'docs', 'edits.md'), lines.join('\n'));
  process.stderr.write('docs/edits.md written\n');
}

await main();
