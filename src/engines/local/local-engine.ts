/**
 * The built-in CPU engine: parse the instruction into a plan, run its steps on image 1 with
 * libvips (sharp), then fit to the output size, watermark and encode PNG.
 */
import sharp from 'sharp';
import { defaultOutputSize } from '../../protocol/size.js';
import { EditError, type EditRequest, type EditResult, type Engine } from '../engine.js';
import { describePlan, type Plan } from './plan.js';
import { parseInstruction } from './parser.js';
import { applyOperation } from './steps.js';
import { applyWatermark } from './watermark.js';

export function createLocalEngine(): Engine {
  // Parsing is pure; tasks with n>1 ask for the same prompt n times.
  let last: { prompt: string; plan: Plan } | undefined;
  const planFor = (prompt: string): Plan => {
    if (last?.prompt !== prompt) last = { prompt, plan: parseInstruction(prompt) };
    return last.plan;
  };

  return {
    name: 'local',
    async edit(request: EditRequest): Promise<EditResult> {
      const plan = planFor(request.prompt);
      const first = request.images[0];
      if (!first) throw new EditError('InvalidParameter', 'At least one input image is required.');
      // PNG alpha is ignored by the protocol; EXIF orientation is applied first.
      let image = sharp(first).autoOrient().removeAlpha();
      for (const op of plan.operations) {
        request.signal.throwIfAborted();
        image = await applyOperation(image, op);
      }
      request.signal.throwIfAborted();
      const edited = await image.raw().toBuffer({ resolveWithObject: true });
      const target = request.size ?? defaultOutputSize(edited.info.width, edited.info.height);
      let out = sharp(edited.data, {
        raw: { width: edited.info.width, height: edited.info.height, channels: edited.info.channels },
      }).resize(target.width, target.height, { fit: 'cover', position: 'centre' });
      if (request.watermark) out = await applyWatermark(out, target);
      const png = await out.png().toBuffer();
      return request.promptExtend ? { png, actualPrompt: describePlan(plan) } : { png };
    },
  };
}
