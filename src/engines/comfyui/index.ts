/**
 * The `comfyui` upstream engine kind. Wiring (routing table): validate a route's `options` with
 * `comfyUiOptionsSchema`, then `createComfyUiEngine(options, { route, apiKey, log, baseDir })`;
 * the workflow file is read and checked at that moment, so a bad template fails the boot.
 * Reference: docs/upstreams.md, "ComfyUI".
 */
export { createComfyUiEngine } from './comfyui-engine.js';
export { comfyUiOptionsSchema, type ComfyUiOptions, type ComfyUiOptionsInput } from './options.js';
export { loadWorkflow, parseWorkflow, PLACEHOLDERS, WorkflowError, type Workflow, type WorkflowTemplate } from './workflow.js';
