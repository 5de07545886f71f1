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
import { CATALOGUE_ORDER, describePlan } from '../src/engines/local/ops/index.js';
import type { CatalogueEntry, DemoInputs, Family, OpModule } from '../src/engines/local/ops/spec.js';
import { castScene, darkScene, figureImage, sceneImage, tiltedScene } from './lib/scene.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'docs', 'edits');
const THUMB_H = 200;

/** The documentation entry of a feature that is not one operation: editing one input before combining. */
const PER_IMAGE = {
  id: 'per-image',
  title: 'Edit one input before combining',
  family: 'Several images (2–3 inputs)',
  en: ['rotate image 2 by 90 degrees, then put image 1 and image 2 side by side', 'make the second image black and white'],
  zh: ['把图2转成黑白，然后把图1和图2左右拼接'],
  params:
    'Any operation that names an image ("image 2", "图2") edits that input; later fusion operations use the edited input. Operations without a reference edit the current result (image 1 until images are combined).',
  demo: { prompt: 'make image 2 black and white, then put image 1 and image 2 side by side', inputs: 'two' },
} as const;

interface Entry {
  readonly id: string;
  readonly module?: OpModule;
  readonly catalogue: CatalogueEntry;
}

const FAMILIES: readonly Family[] = ['Tone and colour', 'Geometry', 'Filters', 'Text', 'Several images (2–3 inputs)', 'With the built-in ML models'];

/** The registry's catalogue entries by family, in the registry's catalogue order. */
function entries(family: Family): Entry[] {
  const out: Entry[] = CATALOGUE_ORDER.filter((m) => m.catalogue?.family === family).map((m) => ({
    id: m.id,
    module: m,
    catalogue: m.catalogue as CatalogueEntry,
  }));
  if (family === PER_IMAGE.family) out.push({ id: PER_IMAGE.id, catalogue: PER_IMAGE as unknown as CatalogueEntry });
  return out;
}

async function inputsFor(kind: DemoInputs | undefined): Promise<Buffer[]> {
  const scene = await sceneImage(768, 512);
  switch (kind) {
    case 'figure':
      return [await figureImage(512, 512)];
    case 'tilted':
      return [await tiltedScene(768, 512, 5)];
    case 'dark':
      return [await darkScene(768, 512)];
    case 'cast':
      return [await castScene(768, 512)];
    case 'small-scene':
      return [await sharp(scene).extract({ left: 96, top: 256, width: 288, height: 192 }).resize(192, 128).png().toBuffer()];
    case 'two':
      return [scene, await figureImage(512, 512)];
    case 'three':
      return [scene, await figureImage(512, 512), await sceneImage(768, 512, 'dusk')];
    case 'text-on-scene': {
      const engine = createLocalEngine();
      const r = await engine.edit({
        images: [scene],
        prompt: 'add text "SAMPLE 样张" in the centre, huge',
        negativePrompt: '',
        index: 0,
        seed: 1,
        size: { width: 768, height: 512 },
        promptExtend: false,
        watermark: false,
        signal: new AbortController().signal,
      });
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
  return sharp({ create: { width, height: THUMB_H, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .jpeg({ quality: 78, mozjpeg: true })
    .toBuffer();
}

/** Every example must parse to one of the operation kinds its module owns. */
function checkExamples(entry: Entry): void {
  for (const example of [...entry.catalogue.en, ...entry.catalogue.zh]) {
    const plan = parseInstruction(example);
    const kinds = plan.operations.map((op) => op.op);
    const owned = entry.module ? Object.keys(entry.module.kinds) : [];
    const ok = entry.module ? kinds.some((k) => owned.includes(k)) || entry.id === 'border' : plan.operations.some((op) => op.image !== undefined);
    if (!ok) throw new Error(`catalogue example "${example}" parses to [${kinds.join(', ')}], not ${entry.id}`);
  }
}

async function main(): Promise<void> {
  const images = !process.argv.includes('--no-images');
  // --no-ml: keep the pictures of ML operations as they are (the models are slow to load).
  const ml = !process.argv.includes('--no-ml');
  const engine = createLocalEngine();
  const wanted = new Set([...FAMILIES.flatMap(entries)].filter((e) => e.catalogue.demo).map((e) => `${e.id}.jpg`));
  if (images) {
    mkdirSync(OUT_DIR, { recursive: true });
    for (const f of readdirSync(OUT_DIR)) {
      const keep = !ml && [...FAMILIES.flatMap(entries)].some((e) => `${e.id}.jpg` === f && e.catalogue.demo?.ml);
      if (!keep || !wanted.has(f)) rmSync(join(OUT_DIR, f));
    }
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
    '- **Clauses keep their order**: commas, semicolons, full stops, "then", "and", "and then", "after that", "finally", "然后", "接着", "并且", "并", "再", "，再", "最后", "、". A clause that only adds detail to the previous one ("add text \'Hi\', in red, large") is read together with it, and clauses that only make sense together ("图1在上，图2在下，拼成长图") are read as one; "A with B" is read as two operations when no single operation understands it ("black and white with high contrast").',
    '- **Each clause has a role**, and only the last of these can fail the task: (1) an **operation** (the catalogue below); (2) a **constraint the edit already satisfies** — "keep … unchanged", "keep everything else the same", "without changing …", "do not change anything else", "其余不变", "保持人物不变", "主体不变", "人物保持清晰", and the engine\'s own closing "Keep everything else unchanged." / "其余内容保持不变。"; a constraint the plan would break ("make it black and white, keep the colours unchanged", "crop it, don\'t crop it") fails with a message that says so; (3) a **purpose, simile or politeness** — "…so it pops", "…to make the subject stand out", "…for a YouTube thumbnail", "like golden hour", "让主体更突出", "像底片一样", "please", "could you", "thanks", "谢谢" — dropped; a **diagnosis** ("the photo is too dark", "颜色太艳了") is dropped when another clause does the same operation; (4) **a request the engine cannot carry out** — the task fails with `InvalidParameter`.',
    '- **Words left over are judged, not counted**: once an operation has taken its words, what is left is read with real language tools (`compromise` for English parts of speech and lemmas, `@node-rs/jieba` for Chinese word segmentation): filler and describing words ("completely", "a faded photo", "low-light") pass; an unknown verb ("teleport") fails as not understood; a noun that points at a thing in the picture ("the sky", "her coat", "背景里的路人", "把花…") means the request is about one object or region.',
    '- **British and American spellings and inflections are the same** ("colour/color", "grey/gray", "centre/center", "-ise/-ize", "colours", "tighter"); full-width punctuation and digits are the same as ASCII. Messages quote the user\'s own words, never the normalised text.',
    '- **Quoted text is never parsed** ("…", \'…\', “…”, ‘…’, 「…」, 『…』, 《…》), so `add text "Tom and Jerry, then more"` stays one text; capitalised words after "the word", "that says", "label this as" are text too ("stamp the word DRAFT"). Phrases such as "black and white" / "black-and-white", "left and right", "top and bottom", "half and half" are one idea, not a chain.',
    '- **Numbers** as digits or words: "30%", "thirty percent", "ninety degrees", "one hundred and eighty", "half", "a quarter", "twice", "两倍", "九十度", "一百八十度", "百分之三十", "一半"; full-width digits too.',
    '- **Image references**: "image 2", "picture #2", "the second image", "the other image", "both images", "…of the second", "图2", "图片2", "第二张图", "图二", "两张图".',
    '- **Amount words** (read from the whole clause, so "亮一点" is half the default): "brighter" = +20 %, "slightly / a bit / soft / 稍微 / 一点 / 一些" halves the default step, "much / a lot / very / 大幅 / 明显 / 很" doubles it; each operation below gives its default.',
    '- **Direction words count**: "less dark" brightens, "less saturated" / "not so warm" go the other way, "less blurry" / "reduce the blur" sharpen, and less of an effect that has no opposite here ("less sharp", "less black and white", "remove black and white", "un-rotate") is refused; "twice", "back" and "except" are never skipped over (so "rotate 90 degrees twice" and "rotate back" are refused rather than run once, forwards); "too dark / 太暗了" brightens; "about / 左右" after a number is ignored.',
    '- **An explicit size is the output size**: when the instruction states a size ("resize to 1024×768", "make this 800x600", "half the size", "scale this down by 50 %", "600 px wide", "缩小一半", "upscale 2x"), the result has exactly that size and is not refitted to about 1280×1280. The 768×768–1280×1280 range bounds only `parameters.size` and the default output: a stated size may be outside it ("make it twice as big" on 800×600 gives 1600×1200, "half the size" 400×300) up to the 25-megapixel working limit, past which the task fails with `InvalidParameter` quoting the limit ("Scaling to 800% would make the image 6400×4800, above the 25 megapixel working limit."). With `parameters.size` too, both must agree (±1 px), otherwise the task fails with `InvalidParameter` naming both sizes (and, when the stated size is outside the range `parameters.size` may take, saying to drop `parameters.size`). Without a stated size the rules in "Seeds, n and output" apply.',
    '- **What needs a generative model is refused**, with a message that says so and how to route one: changing, adding, removing or restyling a specific object or region ("remove the man in the background", "make the sky bluer", "add a hat"), pose, expression and motion, age, face, hair and make-up, materials ("made of marble"), clothes, time of day, weather and season, replacing text already in the picture, colourisation, generative styles (anime, manga, 动漫, 漫画, 二次元, Ghibli, watercolour, oil painting, illustration) and outpainting with new content. The message names what was not possible and ends with how to route such requests: give the model `engine: auto` with a `fallback` route to a generative engine in the routing table (see [upstreams.md](upstreams.md), "Hybrid routing"); with that route in place they go upstream instead of failing. Suggestions, when given, are operations close in meaning (the operations\' own vocabulary, typos folded), e.g. `The instruction part "blurr it" is not supported by the built-in engine. Closest supported operations: blur, …`. At most 20 operations and 2000 characters.',
    '- **Language of `actual_prompt`**: Chinese when Chinese characters dominate the prompt outside quotes, else English.',
    '',
    '## negative_prompt',
    '',
    'The explicit instruction always wins: a boilerplate negative prompt such as "blurry, text, watermark, low quality" never cancels "add the text \'Sale\'" or "blur the background". The negative prompt only steers choices the engine makes by itself:',
    '',
    '| negative prompt mentions | effect |',
    '|---|---|',
    "| cropped, cut off, 裁剪, 裁切, 截断 | when the edited image's aspect ratio differs from `size`, it is fitted whole onto a blurred copy instead of centre-cropped |",
    '| stretched, distorted, squashed, 拉伸, 变形, 失真 | "resize to W×H" keeps the aspect ratio (crops) instead of stretching |',
    '| black borders/corners/bars/edges, 黑边, 黑角 | rotating by an angle that is not a multiple of 90° crops to the largest inner rectangle instead of filling the corners black |',
    '| blurry, blur, soft, out of focus, 模糊, 虚焦 | when the final fit enlarges the image, a light sharpen follows |',
    '',
    'Everything else in the negative prompt is ignored.',
    '',
    '## Seeds, n and output',
    '',
    '- Output i of a task uses seed + i. Seeded operations (film grain, scattered collage) differ per output; everything else is identical across outputs. The same request with the same seed gives byte-identical PNGs.',
    '- The result is fitted to `size` (centre crop), or without `size` to about 1280×1280 at the edited aspect ratio — except when the instruction states a size (resize, scale, upscale), which is then the output size exactly (see above); `watermark=true` adds "AI生成" bottom-right (shipped CJK font). Transparency from "remove background" is kept in the PNG.',
    '- Inputs: EXIF orientation applied, alpha dropped; up to 3 images; working images stay under 25 megapixels. Inputs larger than the output needs are shrunk on load (to twice the output pixels, more when the plan crops in), unless the plan uses absolute pixel sizes (resize, upscale, "20px border", "blur radius 5") or trims.',
    "- Between steps the engine checks the task's cancel/deadline signal.",
    '',
  );
  for (const family of FAMILIES) {
    push(`## ${family}`, '');
    for (const entry of entries(family)) {
      checkExamples(entry);
      const c = entry.catalogue;
      push(
        `### ${c.title}`,
        '',
        `- English: ${c.en.map((e) => `\`${e}\``).join(', ')}`,
        `- 中文: ${c.zh.map((e) => `\`${e}\``).join('、')}`,
        `- ${c.params}`,
        '',
      );
      if (!images || !c.demo) continue;
      const file = `${entry.id}.jpg`;
      if (c.demo.ml && !ml) {
        push(
          `![${c.title}: ${c.demo.inputs === 'two' ? 'image 1, image 2' : 'before'} → after](edits/${file})`,
          '',
          `*\`${c.demo.prompt}\` → ${describePlan(parseInstruction(c.demo.prompt))}*`,
          '',
        );
        continue;
      }
      try {
        const inputs = await inputsFor(c.demo.inputs);
        const result = await engine.edit({
          images: inputs,
          prompt: c.demo.prompt,
          negativePrompt: '',
          index: 0,
          seed: 7,
          size: undefined,
          promptExtend: true,
          watermark: false,
          signal: new AbortController().signal,
        });
        const jpeg = await sideBySide([...inputs, result.png]);
        writeFileSync(join(OUT_DIR, file), jpeg);
        push(
          `![${c.title}: ${c.demo.inputs === 'two' ? 'image 1, image 2' : 'before'} → after](edits/${file})`,
          '',
          `*\`${c.demo.prompt}\` → ${result.actualPrompt ?? ''}*`,
          '',
        );
        process.stderr.write(`${file} ${(jpeg.length / 1024).toFixed(1)} KB\n`);
      } catch (err) {
        if (!c.demo.ml) throw err;
        process.stderr.write(`${entry.id}: no picture (ML models unavailable: ${(err as Error).message.slice(0, 120)})\n`);
      }
    }
  }
  await engine.close?.();
  writeFileSync(join(ROOT, 'docs', 'edits.md'), lines.join('\n'));
  process.stderr.write('docs/edits.md written\n');
}

await main();
