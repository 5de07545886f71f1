/** The built-in deterministic engine as a route kind: no options, one shared instance. */
import { z } from 'zod';
import { defineKind } from './kind.js';

export const localKind = defineKind({
  options: z.object({}).strict(),
  create: (_options, ctx) => ctx.localEngine(),
});
