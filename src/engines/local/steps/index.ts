/**
 * One executor per operation. Colour and filter steps run on RGB with any alpha channel kept
 * aside and re-attached (so a cut-out stays transparent through "then make it brighter");
 * geometry steps carry alpha themselves.
 */
import { fromSharp, splitAlpha, toSharp, withAlpha, type Img } from '../image.js';
import type { Operation } from '../plan.js';
import type { StepContext } from './context.js';
import * as filters from './filters.js';
import * as fusion from './fusion.js';
import * as geometry from './geometry.js';
import * as ml from './ml.js';
import { addText } from './text.js';
import * as tone from './tone.js';

async function rgbOnly(img: Img, fn: (rgb: Img) => Img | Promise<Img>): Promise<Img> {
  const { rgb, alpha } = await splitAlpha(img);
  const out = await fn(rgb);
  if (!alpha) return out;
  const { rgb: outRgb } = await splitAlpha(out);
  return withAlpha(outRgb, alpha);
}

async function models(ctx: StepContext, what: string) {
  try {
    return await ctx.ml();
  } catch (err) {
    throw ml.mlUnavailable(what, err);
  }
}

/**
 * Runs one operation. Only operations that mean to add transparency (remove background, cut-outs)
 * may turn an opaque image into one with alpha; libvips sometimes adds an opaque alpha band on
 * the way (extend with mirror, composites), which is dropped here.
 */
export async function applyOperation(img: Img, op: Operation, ctx: StepContext): Promise<Img> {
  const out = await dispatch(img, op, ctx);
  if (img.channels === 3 && out.channels === 4 && op.op !== 'removeBackground') {
    return fromSharp(toSharp(out).removeAlpha());
  }
  return out;
}

async function dispatch(img: Img, op: Operation, ctx: StepContext): Promise<Img> {
  switch (op.op) {
    case 'grayscale':
      return rgbOnly(img, tone.grayscale);
    case 'sepia':
      return rgbOnly(img, (i) => tone.sepia(i, op.strength));
    case 'invert':
      return rgbOnly(img, tone.invert);
    case 'brightness':
      return rgbOnly(img, (i) => tone.brightness(i, op.factor));
    case 'contrast':
      return rgbOnly(img, (i) => tone.contrast(i, op.factor));
    case 'saturation':
      return rgbOnly(img, (i) => tone.saturation(i, op.factor));
    case 'hue':
      return rgbOnly(img, (i) => tone.hue(i, op.degrees));
    case 'temperature':
      return rgbOnly(img, (i) => tone.temperature(i, op.amount));
    case 'tint':
      return rgbOnly(img, (i) => tone.tint(i, op.colour, op.strength));
    case 'autoEnhance':
      return rgbOnly(img, tone.autoEnhance);
    case 'posterize':
      return rgbOnly(img, (i) => tone.posterize(i, op.levels));
    case 'vignette':
      return rgbOnly(img, (i) => tone.vignette(i, op.strength));
    case 'grain':
      return rgbOnly(img, (i) => tone.grain(i, op.amount, ctx.seed));
    case 'rotate':
      return geometry.rotate(img, op.degrees, ctx.hints);
    case 'flip':
      return geometry.flip(img, op.axis);
    case 'cropAspect':
      return geometry.cropAspect(img, op.ratio);
    case 'cropCenter':
      return geometry.cropCenter(img, op.fraction);
    case 'cropRegion':
      return geometry.cropRegion(img, op.region);
    case 'trim':
      return geometry.trim(img);
    case 'resize':
      return geometry.resize(img, op.scale);
    case 'resizeTo':
      return geometry.resizeTo(img, op.width, op.height, ctx.hints);
    case 'extend':
      return geometry.extend(img, op.amount, op.ratio, op.side, op.fill);
    case 'border':
      return geometry.border(img, op.width, op.pixels, op.colour);
    case 'blur':
      return rgbOnly(img, (i) => filters.blur(i, op.strength, op.sigma));
    case 'sharpen':
      return rgbOnly(img, (i) => filters.sharpen(i, op.strength));
    case 'denoise':
      return rgbOnly(img, (i) => filters.denoise(i, op.strength));
    case 'pixelate':
      return rgbOnly(img, (i) => filters.pixelate(i, op.block));
    case 'sketch':
      return rgbOnly(img, filters.sketch);
    case 'cartoon':
      return rgbOnly(img, filters.cartoon);
    case 'emboss':
      return rgbOnly(img, filters.emboss);
    case 'text':
      return addText(img, op.text, op.position, op.colour, op.size);
    case 'overlay':
      return fusion.overlay(op.onto === undefined ? img : await ctx.image(op.onto), await ctx.image(op.source), op.position, op.scale);
    case 'collage': {
      const refs = op.images.length > 0 ? op.images : Array.from({ length: ctx.imageCount }, (_, i) => i + 1);
      const images = [];
      for (const k of refs) images.push(await ctx.image(k));
      return fusion.collage(images, op.layout, op.scatter, ctx.seed);
    }
    case 'blend':
      return fusion.blend(img, await ctx.image(op.source), op.opacity);
    case 'removeBackground':
      return ml.removeBackground(img, await models(ctx, 'remove background'), ctx.signal);
    case 'replaceBackground': {
      const source = op.source === undefined ? undefined : await ctx.image(op.source);
      return ml.replaceBackground(img, await models(ctx, 'replace background'), ctx.signal, op.colour, source);
    }
    case 'backgroundBlur':
      return ml.backgroundBlur(img, await models(ctx, 'blur background'), ctx.signal, op.strength);
    case 'backgroundTone':
      return ml.backgroundTone(img, await models(ctx, 'background colour splash'), ctx.signal, op.effect);
    case 'upscale':
      return ml.upscale(img, await models(ctx, 'upscale'), ctx.signal, op.factor);
    case 'faces':
      return ml.faces(img, await models(ctx, 'blur faces'), ctx.signal, op.mode);
    case 'removeText':
      return ml.removeText(img, await models(ctx, 'remove text'), ctx.signal);
    case 'cutout':
      return ml.cutout(await ctx.image(op.subject), await ctx.image(op.onto), await models(ctx, 'cut out subject'), ctx.signal);
  }
}
