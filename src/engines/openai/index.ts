/**
 * The `openai` upstream engine kind: `openaiKind` goes into the routing table's KINDS list
 * (src/engines/routes/kinds.ts). It validates a route's `options` with `openAiOptionsSchema` and
 * builds the engine with the route's concurrency, timeout and `api_key_env` secret (resolved by
 * the routing table from the environment config.ts hands it). Reference: docs/upstreams.md.
 */
import type { Engine } from '../engine.js';
import { upstreamContextOf, type RouteKindContext } from '../upstream-kit/kind-context.js';
import { createOpenAiEngine } from './openai-engine.js';
import { openAiOptionsSchema, type OpenAiOptions } from './options.js';

export { createOpenAiEngine, pickSize } from './openai-engine.js';
export { openAiOptionsSchema, type OpenAiOptions, type OpenAiOptionsInput } from './options.js';
export type { UpstreamContext } from '../upstream-kit/context.js';

export const openaiKind = {
  options: openAiOptionsSchema,
  secretFields: ['api_key_env'] as const,
  create: (options: OpenAiOptions, ctx: RouteKindContext): Engine => createOpenAiEngine(options, upstreamContextOf(ctx)),
};
