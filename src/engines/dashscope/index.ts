/**
 * The `dashscope` engine kind: a route whose tasks run on a DashScope-compatible task API (real
 * DashScope in Singapore or Beijing, or another retouch). Options (docs/upstreams.md):
 *
 *   base_url          default https://dashscope-intl.aliyuncs.com/api/v1 (Singapore)
 *   api_key_env       name of the environment variable holding the upstream key
 *   model             the upstream model, default wan2.5-i2i-preview
 *   poll_interval     how often each in-flight task is queried, default 2s
 *   query_per_second  the key's query budget, default 20 (DashScope's limit)
 *   submit_per_second creates per second, default 5
 *   parameters        extra `parameters` sent with every task
 */
import { z } from 'zod';
import { defineKind } from '../routes/kind.js';
import { baseUrl, durationMs, envVarName } from '../routes/schema.js';
import { createDashScopeClient } from './client.js';
import { createDashScopeEngine } from './engine.js';

export const DASHSCOPE_SINGAPORE = 'https://dashscope-intl.aliyuncs.com/api/v1';
export const DASHSCOPE_BEIJING = 'https://dashscope.aliyuncs.com/api/v1';

export const dashscopeOptions = z
  .object({
    base_url: baseUrl.default(DASHSCOPE_SINGAPORE),
    api_key_env: envVarName.optional(),
    model: z.string().min(1).max(200).default('wan2.5-i2i-preview'),
    poll_interval: durationMs(100).default(2000),
    query_per_second: z.number().int().min(1).max(10_000).default(20),
    submit_per_second: z.number().int().min(1).max(10_000).default(5),
    parameters: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const dashscopeKind = defineKind({
  options: dashscopeOptions,
  secretFields: ['api_key_env'],
  create: (options: z.infer<typeof dashscopeOptions>, ctx) =>
    createDashScopeEngine({
      client: createDashScopeClient({ baseUrl: options.base_url, apiKey: ctx.secret('api_key_env') }),
      model: options.model,
      pollIntervalMs: options.poll_interval,
      queryPerSecond: options.query_per_second,
      submitPerSecond: options.submit_per_second,
      parameters: options.parameters,
    }),
});
