/**
 * The `openai` upstream engine kind. Wiring (routing table): validate a route's `options` with
 * `openAiOptionsSchema`, then `createOpenAiEngine(options, { route, apiKey, log })`, where
 * `apiKey` is the value of the environment variable named by `options.api_key_env` (read by
 * config.ts). Reference: docs/upstreams.md.
 */
export { createOpenAiEngine, pickSize } from './openai-engine.js';
export { openAiOptionsSchema, type OpenAiOptions, type OpenAiOptionsInput } from './options.js';
export type { UpstreamContext } from '../upstream-kit/context.js';
