/** zod pieces shared by the kinds' option schemas (durations, env-variable names, URLs). */
import { z } from 'zod';
import { parseDuration } from '../../duration.js';

/** "2s", "500ms", "10m" or a number of milliseconds → milliseconds. */
export const durationMs = (min = 1) =>
  z.union([z.number(), z.string()]).transform((raw, ctx) => {
    const ms = typeof raw === 'number' ? raw : parseDuration(raw);
    if (ms === undefined || !Number.isFinite(ms) || ms < min) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like "2s" or "10m" (at least ${min} ms), got ${JSON.stringify(raw)}` });
      return z.NEVER;
    }
    return Math.round(ms);
  });

/** The NAME of an environment variable (its value is resolved at boot, never stored in the file). */
export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the name of an environment variable, e.g. "DASHSCOPE_API_KEY"');

/** An http(s) base URL without a trailing slash. */
export const baseUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'expected an http(s) URL')
  .transform((url) => url.replace(/\/+$/, ''));
