/**
 * The operation registry: every operation module, in parse precedence (most specific first). The
 * parser offers each clause to the modules whose trigger matches; the executor runs a plan
 * operation with the step of the module that owns its kind; the description (`actual_prompt`),
 * the catalogue (scripts/gen-edit-catalogue.ts → docs/edits.md) and the suggestions read the same
 * list. Adding an operation is one module here.
 */
import { applyPipe, materialise, type Work } from '../pipeline.js';
import type { Language, Operation, OperationKind, Plan } from '../plan.js';
import type { StepContext } from '../steps/context.js';
import autoEnhance from './auto-enhance.js';
import backgroundBlur from './background-blur.js';
import backgroundTone from './background-tone.js';
import blend from './blend.js';
import blur from './blur.js';
import border from './border.js';
import brightness from './brightness.js';
import cartoon from './cartoon.js';
import collage from './collage.js';
import contrast from './contrast.js';
import crop from './crop.js';
import cutout from './cutout.js';
import denoise from './denoise.js';
import edges from './edges.js';
import emboss from './emboss.js';
import extend from './extend.js';
import faces from './faces.js';
import flip from './flip.js';
import grain from './grain.js';
import grayscale from './grayscale.js';
import hue from './hue.js';
import invert from './invert.js';
import overlay from './overlay.js';
import pixelate from './pixelate.js';
import posterize from './posterize.js';
import removeBackground from './remove-background.js';
import removeText from './remove-text.js';
import replaceBackground from './replace-background.js';
import resize from './resize.js';
import rotate from './rotate.js';
import saturation from './saturation.js';
import selectiveColour from './selective-colour.js';
import sepia from './sepia.js';
import sharpen from './sharpen.js';
import sketch from './sketch.js';
import type { KindSpec, OpModule, Traits } from './spec.js';
import straighten from './straighten.js';
import temperature from './temperature.js';
import text from './text.js';
import tint from './tint.js';
import trim from './trim.js';
import upscale from './upscale.js';
import vignette from './vignette.js';
import whiteBalance from './white-balance.js';

/** Parse precedence: the first module whose parse leaves nothing over wins. */
export const OPERATIONS: readonly OpModule[] = [
  removeText,
  backgroundBlur,
  backgroundTone,
  cutout,
  removeBackground,
  replaceBackground,
  faces,
  upscale,
  collage,
  blend,
  overlay,
  text,
  trim,
  border,
  extend,
  crop,
  resize,
  hue,
  straighten,
  rotate,
  flip,
  vignette,
  denoise,
  grain,
  grayscale,
  sepia,
  invert,
  whiteBalance,
  selectiveColour,
  brightness,
  contrast,
  saturation,
  temperature,
  posterize,
  pixelate,
  edges,
  sketch,
  cartoon,
  emboss,
  blur,
  sharpen,
  tint,
  autoEnhance,
];

/** The catalogue's order: by family, then as listed here. */
export const CATALOGUE_ORDER: readonly OpModule[] = [
  grayscale,
  sepia,
  invert,
  brightness,
  contrast,
  saturation,
  selectiveColour,
  hue,
  temperature,
  whiteBalance,
  tint,
  autoEnhance,
  posterize,
  vignette,
  grain,
  rotate,
  straighten,
  flip,
  crop,
  trim,
  resize,
  extend,
  border,
  blur,
  sharpen,
  denoise,
  pixelate,
  sketch,
  edges,
  cartoon,
  emboss,
  text,
  overlay,
  collage,
  blend,
  removeBackground,
  replaceBackground,
  backgroundBlur,
  backgroundTone,
  upscale,
  faces,
  removeText,
  cutout,
];

const OWNERS = new Map<OperationKind, { module: OpModule; spec: KindSpec<OperationKind> }>();
for (const module of OPERATIONS) {
  for (const [kind, spec] of Object.entries(module.kinds)) {
    if (OWNERS.has(kind as OperationKind)) throw new Error(`operation kind ${kind} is owned twice`);
    OWNERS.set(kind as OperationKind, { module, spec: spec as unknown as KindSpec<OperationKind> });
  }
}

function owner(kind: OperationKind): { module: OpModule; spec: KindSpec<OperationKind> } {
  const found = OWNERS.get(kind);
  if (!found) throw new Error(`no module owns operation kind ${kind}`);
  return found;
}

export function traitsOf(kind: OperationKind): Traits {
  return owner(kind).spec.traits;
}

export function moduleOf(kind: OperationKind): OpModule {
  return owner(kind).module;
}

/**
 * Runs one operation on the working image: appended to its pipeline when the kind has a `pipe`
 * for these parameters (pipeline.ts), else with `run` on its pixels.
 */
export async function runOperation(work: Work, op: Operation, ctx: StepContext): Promise<Work> {
  const { spec } = owner(op.op);
  const pipe = await spec.pipe?.(op as never, work, ctx);
  if (pipe) return applyPipe(work, pipe);
  const run = spec.run;
  if (!run) throw new Error(`operation kind ${op.op} has neither a pipe for these parameters nor a run`);
  const step = async (): Promise<Work> => run(await materialise(work), op as never, ctx);
  return spec.traits.ml && ctx.mlTurn ? ctx.mlTurn(step) : step();
}

export function describeOperation(op: Operation, language: Language): string {
  const zh = language === 'zh';
  const text = owner(op.op).spec.describe(op as never, zh);
  if (op.image === undefined) return text;
  return zh ? `对图${op.image}：${text}` : `On image ${op.image}: ${text}`;
}

/** The closing sentence of every `actual_prompt`; the parser reads it back as a satisfied constraint. */
export const KEEP_THE_REST = { en: 'Keep everything else unchanged.', zh: '其余内容保持不变。' } as const;

/** The plan written back as explicit instructions, in the prompt's language. */
export function describePlan(plan: Plan): string {
  const steps = plan.operations.map((op) => describeOperation(op, plan.language));
  steps.push(KEEP_THE_REST[plan.language]);
  return steps.join(plan.language === 'zh' ? '' : ' ');
}
