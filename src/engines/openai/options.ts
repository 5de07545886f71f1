/**
 * Route options of the `openai` engine (the route's own `concurrency` and `timeout` bound its
 * requests: defaults 1 and 300 s, see openai-engine.ts): a client of any OpenAI-style `POST /v1/images/edits`
 * server (OpenAI, vLLM-Omni, SGLang-Diffusion, LightX2V, another retouch). Reference:
 * docs/upstreams.md, "OpenAI-style servers".
 */
import { z } from 'zod';

/** Form fields the engine fills itself; `extra` may not override them. */
const RESERVED = new Set(['image', 'image[]', 'prompt', 'n', 'size', 'response_format', 'model', 'seed', 'negative_prompt']);

export const openAiOptionsSchema = z
  .object({
    /** Server root, e.g. "http://gpu-box:8000" (a trailing "/v1" is tolerated and dropped). */
    base_url: z.url({ protocol: /^https?$/ }),
    /** The edits path below baseUrl. */
    path: z.string().startsWith('/').default('/v1/images/edits'),
    /** Sent as `model`; vLLM-Omni and SGLang serve one model and ignore it, OpenAI requires it. */
    model: z.string().min(1).optional(),
    /** Name of the environment variable holding the upstream's API key (sent as a Bearer token). */
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    /** Multipart name of each input image: "image[]" (OpenAI SDKs; vLLM-Omni and SGLang accept both) or "image". */
    image_field: z.enum(['image[]', 'image']).default('image[]'),
    /** `response_format` to ask for; "none" omits the field (OpenAI's GPT image models reject it). */
    response_format: z.enum(['b64_json', 'url', 'none']).default('b64_json'),
    /** Most images one request may ask for. 1 = every output is its own request (n=1, seed+index). */
    max_n: z.int().min(1).max(10).default(1),
    /** Sizes the upstream accepts ("1024x1024", …); the one closest in aspect ratio is asked for. Default: the exact size. */
    sizes: z
      .array(z.string().regex(/^\d{2,5}x\d{2,5}$/, 'must look like "1024x1024"'))
      .min(1)
      .optional(),
    /** Send `seed` (vLLM-Omni, SGLang: yes; OpenAI rejects unknown fields: set false). */
    send_seed: z.boolean().default(true),
    /** Send `negative_prompt` when the task has one. */
    send_negative_prompt: z.boolean().default(true),
    /** Fixed pass-through form fields: num_inference_steps, true_cfg_scale, guidance_scale, quality, … */
    extra: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.[\]-]*$/), z.union([z.string(), z.number(), z.boolean()]))
      .refine((o) => Object.keys(o).every((k) => !RESERVED.has(k)), { message: `may not set ${[...RESERVED].join(', ')}` })
      .default({}),
    /** Retries of a 429/502/503/504 answer, waiting Retry-After (or 1 s, 2 s, …). */
    retries: z.int().min(0).max(5).default(2),
    /** Largest reply body (JSON with base64 images, or a downloaded image), in MB. */
    max_reply_mb: z.number().positive().max(512).default(64),
  })
  .strict();

export type OpenAiOptions = z.output<typeof openAiOptionsSchema>;
export type OpenAiOptionsInput = z.input<typeof openAiOptionsSchema>;
