/**
 * Route options of the `comfyui` engine: a ComfyUI server (`python main.py --listen`) and an
 * API-format workflow template. Reference: docs/upstreams.md, "ComfyUI".
 */
import { z } from 'zod';

export const comfyUiOptionsSchema = z
  .object({
    /** The ComfyUI server, e.g. "http://gpu-box:8188". */
    baseUrl: z.url({ protocol: /^https?$/ }),
    /** Path of the API-format workflow JSON ("Export (API)" in ComfyUI), relative to the config file. */
    workflow: z.string().min(1),
    /** Id of the node whose images are the result; default: the workflow's only SaveImage node. */
    outputNode: z.string().min(1).optional(),
    /** Environment variable with a Bearer token, for a ComfyUI behind an authenticating proxy. */
    apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    /** Subfolder of ComfyUI's input folder that uploads go to. */
    uploadSubfolder: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('retouch'),
    /** Prompts of this route queued at the ComfyUI server at once (it runs one at a time). */
    concurrency: z.int().min(1).max(64).default(1),
    /** Per output image, from upload to download, counted from when it gets its concurrency slot. */
    timeoutMs: z.int().min(1000).max(6 * 3_600_000).default(600_000),
    /** History polling: first interval, growing ×1.5 up to the maximum. */
    pollMinMs: z.int().min(20).max(10_000).default(250),
    pollMaxMs: z.int().min(20).max(60_000).default(2000),
    /** Largest output image downloaded from /view, in MB. */
    maxImageMb: z.number().positive().max(512).default(64),
    /** Remove the prompt from ComfyUI's history once its image is downloaded. */
    deleteHistory: z.boolean().default(true),
  })
  .strict();

export type ComfyUiOptions = z.output<typeof comfyUiOptionsSchema>;
export type ComfyUiOptionsInput = z.input<typeof comfyUiOptionsSchema>;
