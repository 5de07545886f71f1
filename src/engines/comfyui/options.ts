/**
 * Route options of the `comfyui` engine (the route's own `concurrency` — prompts of the route
 * queued at ComfyUI at once, default 1 — and `timeout` — per output image from upload to
 * download, default 600 s — are given beside them): a ComfyUI server (`python main.py --listen`) and an
 * API-format workflow template. Reference: docs/upstreams.md, "ComfyUI".
 */
import { z } from 'zod';

export const comfyUiOptionsSchema = z
  .object({
    /** The ComfyUI server, e.g. "http://gpu-box:8188". */
    base_url: z.url({ protocol: /^https?$/ }),
    /** Path of the API-format workflow JSON ("Export (API)" in ComfyUI), relative to the config file. */
    workflow: z.string().min(1),
    /** Id of the node whose images are the result; default: the workflow's only SaveImage node. */
    output_node: z.string().min(1).optional(),
    /** Environment variable with a Bearer token, for a ComfyUI behind an authenticating proxy. */
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    /** Subfolder of ComfyUI's input folder that uploads go to. */
    upload_subfolder: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .default('retouch'),
    /** History polling: first interval, growing ×1.5 up to the maximum. */
    poll_min_ms: z.int().min(20).max(10_000).default(250),
    poll_max_ms: z.int().min(20).max(60_000).default(2000),
    /** Largest output image downloaded from /view, in MB. */
    max_image_mb: z.number().positive().max(512).default(64),
    /** Remove the prompt from ComfyUI's history once its image is downloaded. */
    delete_history: z.boolean().default(true),
  })
  .strict();

export type ComfyUiOptions = z.output<typeof comfyUiOptionsSchema>;
export type ComfyUiOptionsInput = z.input<typeof comfyUiOptionsSchema>;
