/**
 * The `comfyui` upstream engine kind: `comfyuiKind` goes into the routing table's KINDS list
 * (src/engines/routes/kinds.ts). It validates a route's `options` with `comfyUiOptionsSchema`;
 * building the engine reads and checks the workflow file, so a bad template fails the boot.
 * Reference: docs/upstreams.md, "ComfyUI".
 */
import type { Engine } from '../engine.js';
import { upstreamContextOf, type RouteKindContext } from '../upstream-kit/kind-context.js';
import { createComfyUiEngine } from './comfyui-engine.js';
import { comfyUiOptionsSchema, type ComfyUiOptions } from './options.js';

export { createComfyUiEngine } from './comfyui-engine.js';
export { comfyUiOptionsSchema, type ComfyUiOptions, type ComfyUiOptionsInput } from './options.js';
export { loadWorkflow, parseWorkflow, PLACEHOLDERS, WorkflowError, type Workflow, type WorkflowTemplate } from './workflow.js';

export const comfyuiKind = {
  options: comfyUiOptionsSchema,
  secretFields: ['api_key_env'] as const,
  create: (options: ComfyUiOptions, ctx: RouteKindContext): Engine => createComfyUiEngine(options, upstreamContextOf(ctx)),
};
