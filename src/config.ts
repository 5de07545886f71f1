/**
 * The only reader of process.env. Parses and validates every setting once, at start-up, and
 * returns a frozen object; a bad value fails the boot with a message naming the variable.
 * Reference: docs/configuration.md.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { compileAllowList } from './inputs/address-policy.js';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Base of result links, e.g. "https://img.example.com" behind a proxy. Default: http://host:port. */
  readonly publicBaseUrl: string | undefined;
  /** A key accepted for the default workspace (stored hashed at start-up). */
  readonly apiKey: string | undefined;
  readonly workerConcurrency: number;
  /** Tasks of one workspace running at once (DashScope: 5); more wait PENDING. */
  readonly maxRunningPerWorkspace: number;
  /** Requests per second and workspace (DashScope: 5 submissions, 20 get/list/cancel); 0 = no limit. */
  readonly rateLimits: { readonly submitPerSecond: number; readonly queryPerSecond: number };
  /** How long a task (and its files) stays queryable after it finished. */
  readonly retentionMs: number;
  /** How long a result URL stays valid after the task's end_time. */
  readonly resultUrlTtlMs: number;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly taskTimeoutMs: number;
  readonly reaperIntervalMs: number;
  readonly shutdownGraceMs: number;
  readonly sqliteSynchronous: 'OFF' | 'NORMAL' | 'FULL';
  readonly fetch: {
    readonly allow: readonly string[];
    readonly maxBytes: number;
    readonly connectTimeoutMs: number;
    readonly totalTimeoutMs: number;
    readonly maxRedirects: number;
  };
  /** Registers the `retouch-test` model (a scriptable engine for tests and benchmarks). */
  readonly enableTestEngine: boolean;
  /** Temporary uploads (`oss://` inputs, protocol.md §6.2); see src/uploads. */
  readonly uploads: {
    readonly maxBytes: number;
    readonly capacityBytes: number;
    readonly retentionMs: number;
    readonly policyTtlMs: number;
  };
  /** Test engine only: a file that gets one line per edit started (crash tests count re-runs). */
  readonly testEngineLog: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration ${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Settings given on the command line win over the environment. */
export interface ConfigOverrides {
  host?: string;
  port?: string;
  dataDir?: string;
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `expected an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

/** Durations: "500ms", "30s", "15m", "24h", "7d" or plain milliseconds. */
export function parseDuration(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms'] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

function duration(env: Env, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = parseDuration(raw);
  if (value === undefined || value < min) throw new ConfigError(name, `expected a duration like "30s" or "24h", got "${raw}"`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${env[name]}"`);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = values.find((v) => v.toLowerCase() === raw.toLowerCase());
  if (!match) throw new ConfigError(name, `expected one of ${values.join(', ')}, got "${raw}"`);
  return match;
}

export function loadConfig(env: Env = process.env, overrides: ConfigOverrides = {}): Config {
  const port = integer({ ...env, RETOUCH_PORT: overrides.port ?? env.RETOUCH_PORT }, 'RETOUCH_PORT', 8080, 0, 65535);
  const publicBaseUrl = env.RETOUCH_PUBLIC_BASE_URL?.replace(/\/+$/, '') || undefined;
  if (publicBaseUrl !== undefined && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(publicBaseUrl)) {
    throw new ConfigError('RETOUCH_PUBLIC_BASE_URL', `expected an http(s) URL, got "${publicBaseUrl}"`);
  }
  const apiKey = env.RETOUCH_API_KEY || undefined;
  if (apiKey !== undefined && !/^\S{8,200}$/.test(apiKey)) {
    throw new ConfigError('RETOUCH_API_KEY', 'expected 8 to 200 non-space characters');
  }
  const fetchAllow = (env.RETOUCH_FETCH_ALLOW ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    compileAllowList(fetchAllow);
  } catch (err) {
    throw new ConfigError('RETOUCH_FETCH_ALLOW', (err as Error).message);
  }
  const config: Config = {
    host: overrides.host ?? env.RETOUCH_HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(overrides.dataDir ?? env.RETOUCH_DATA_DIR ?? './data'),
    publicBaseUrl,
    apiKey,
    workerConcurrency: integer(env, 'RETOUCH_WORKER_CONCURRENCY', availableParallelism(), 0, 256),
    maxRunningPerWorkspace: integer(env, 'RETOUCH_MAX_RUNNING_PER_WORKSPACE', 5, 1, 10_000),
    rateLimits: {
      submitPerSecond: integer(env, 'RETOUCH_RATE_LIMIT_SUBMIT', 5, 0, 1_000_000),
      queryPerSecond: integer(env, 'RETOUCH_RATE_LIMIT_QUERY', 20, 0, 1_000_000),
    },
    retentionMs: duration(env, 'RETOUCH_RETENTION', 24 * 3_600_000),
    resultUrlTtlMs: duration(env, 'RETOUCH_RESULT_URL_TTL', 24 * 3_600_000),
    leaseMs: duration(env, 'RETOUCH_LEASE', 30_000, 1000),
    maxAttempts: integer(env, 'RETOUCH_MAX_ATTEMPTS', 3, 1, 100),
    taskTimeoutMs: duration(env, 'RETOUCH_TASK_TIMEOUT', 10 * 60_000, 1000),
    reaperIntervalMs: duration(env, 'RETOUCH_REAPER_INTERVAL', 60_000, 100),
    shutdownGraceMs: duration(env, 'RETOUCH_SHUTDOWN_GRACE', 30_000, 0),
    sqliteSynchronous: oneOf(env, 'RETOUCH_SQLITE_SYNCHRONOUS', ['OFF', 'NORMAL', 'FULL'] as const, 'NORMAL'),
    fetch: {
      allow: fetchAllow,
      maxBytes: 10 * 1024 * 1024,
      connectTimeoutMs: duration(env, 'RETOUCH_FETCH_CONNECT_TIMEOUT', 5000),
      totalTimeoutMs: duration(env, 'RETOUCH_FETCH_TIMEOUT', 20_000),
      maxRedirects: 3,
    },
    enableTestEngine: boolean(env, 'RETOUCH_ENABLE_TEST_ENGINE', false),
    uploads: {
      maxBytes: integer(env, 'RETOUCH_UPLOAD_MAX_MB', 10, 1, 1024) * 1024 * 1024,
      capacityBytes: integer(env, 'RETOUCH_UPLOAD_CAPACITY_MB', 1024, 1, 1_000_000) * 1024 * 1024,
      retentionMs: duration(env, 'RETOUCH_UPLOAD_RETENTION', 48 * 3_600_000, 1000),
      policyTtlMs: duration(env, 'RETOUCH_UPLOAD_POLICY_TTL', 300_000, 1000),
    },
    testEngineLog: env.RETOUCH_TEST_ENGINE_LOG || undefined,
    logLevel: oneOf(env, 'RETOUCH_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  };
  return Object.freeze(config);
}
