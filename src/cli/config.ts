import { loadConfig, type ConfigOverrides } from '../config.js';

/** Reads config for a command: CLI flags over RETOUCH_* environment variables. */
export function configFor(overrides: ConfigOverrides) {
  return loadConfig(process.env, overrides);
}
