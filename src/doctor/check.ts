/**
 * `retouch doctor`: a list of small, independent checks of a deployment. Each check looks at one
 * thing (the configuration, the store, the blob store, fonts, models, clocks…) and reports what
 * it found, and for a problem, how to fix it. Adding a check is adding a module to the list in
 * index.ts.
 */
import type { Config } from '../config.js';

export const STATUSES = ['ok', 'warn', 'fail'] as const;
export type Status = (typeof STATUSES)[number];

export interface Finding {
  /** The check's id, e.g. "store". */
  readonly check: string;
  readonly status: Status;
  /** What was found, one line. */
  readonly summary: string;
  /** For warn/fail: what to do about it. */
  readonly fix?: string;
}

export interface DoctorContext {
  /** The loaded configuration, or undefined when it does not load (the config check says why). */
  readonly config: Config | undefined;
  /** The current time, epoch ms (clock checks compare it with servers'). */
  now(): number;
}

export interface Check {
  readonly id: string;
  /** Checks that need a configuration are skipped when it does not load. */
  readonly needsConfig: boolean;
  run(ctx: DoctorContext): Promise<Finding[]>;
}

export const ok = (check: string, summary: string): Finding => ({ check, status: 'ok', summary });
export const warn = (check: string, summary: string, fix: string): Finding => ({ check, status: 'warn', summary, fix });
export const fail = (check: string, summary: string, fix: string): Finding => ({ check, status: 'fail', summary, fix });
