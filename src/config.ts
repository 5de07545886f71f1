/**
 * The only reader of process.env. Parses and validates every setting once, at start-up, and
 * returns a frozen object; a bad value fails the boot with a message naming the variable.
 * Reference: docs/configuration.md.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseDuration } from './duration.js';
import { compileAllowList } from './inputs/address-policy.js';
import { DEFAULT_ROUTING_TABLE, loadRoutingTable, RoutingTableError, type RoutingTable } from './engines/routes/routing-table.js';

export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export interface S3Config {
  readonly bucket: string;
  readonly endpoint: string | undefined;
  /** Where clients download result links from, when not `endpoint`. */
  readonly publicEndpoint: string | undefined;
  readonly region: string;
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
  readonly forcePathStyle: boolean;
}

export interface Config {
  /** api: HTTP only, never runs edits; worker: runs edits, no HTTP port; all: both (one node). */
  readonly role: Role;
  /**
   * Processes `serve` runs for this node (cli/cluster.ts), sharing its port: one host uses all
   * its cores. More than one needs PostgreSQL: SQLite and its in-process task events belong to
   * one process.
   */
  readonly processes: number;
  /** postgres://… to share tasks, keys and rate limits between nodes; default embedded SQLite. */
  readonly databaseUrl: string | undefined;
  /** PostgreSQL schema for retouch's tables (created if missing); default the search_path's first. */
  readonly databaseSchema: string | undefined;
  /** Results and inputs in an S3-compatible bucket; default the data dir. */
  readonly s3: S3Config | undefined;
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
  /** Bytes of submission bodies received and processed at once, process-wide; more → 429. */
  readonly maxInflightBodyBytes: number;
  /** How long a task (and its files) stays queryable after it finished. */
  readonly retentionMs: number;
  /** How long a result URL stays valid after the task's end_time. */
  readonly resultUrlTtlMs: number;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly taskTimeoutMs: number;
  /** The ML worker thread is stopped after this long without requests, to give its memory back. */
  readonly mlIdleTimeoutMs: number;
  /** The ML worker is recycled after a request that leaves it holding more than this many bytes (0 = never). */
  readonly mlRecycleAboveBytes: number;
  /** The opt-in AGPL ISNet model: unset = when installed, "0" = never, "1" = required, or its folder. */
  readonly isnet: string | undefined;
  /** ONNX Runtime build for the ML models: `auto` = native onnxruntime-node when it loads, else WebAssembly; `web` = WebAssembly. */
  readonly onnxRuntime: 'auto' | 'web';
  /** PNG encoding of the local engine's results (zlib level; libvips adaptive row filter). */
  readonly png: { readonly compressionLevel: number; readonly adaptiveFiltering: boolean };
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
  /** Long-poll (`?wait=`, `Prefer: wait=`) and server-sent events; see docs/configuration.md. */
  readonly push: {
    /** Longest wait a long-poll may ask for; longer hints are capped to this. */
    readonly maxWaitMs: number;
    /** Long-poll waiters and SSE streams one process holds open for one workspace. */
    readonly maxPerWorkspace: number;
    /** … and for all workspaces together. */
    readonly maxTotal: number;
    /** Comment heartbeats on idle SSE streams. */
    readonly heartbeatMs: number;
  };
  /**
   * Hardening (issue 9): body budget per workspace, body receive deadline and minimum rate, and
   * the rate of getPolicy (per workspace) and upload POSTs (per client address). See
   * docs/security.md.
   */
  readonly bodies: {
    readonly perWorkspaceBytes: number;
    readonly deadlineMs: number;
    readonly minBytesPerSecond: number;
  };
  readonly uploadRatePerSecond: number;
  /** Test engine only: a file that gets one line per edit started (crash tests count re-runs). */
  readonly testEngineLog: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Model → engine routes (--config / RETOUCH_CONFIG, docs/upstreams.md); default: the built-in engine. */
  readonly routes: RoutingTable;
  /** Webhooks and task callbacks (src/webhooks, docs/webhooks.md). */
  readonly webhooks: WebhookConfig;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
}

export interface WebhookConfig {
  /** Hosts/CIDRs webhooks may reach although private (same syntax as RETOUCH_FETCH_ALLOW). */
  readonly allow: readonly string[];
  /** One attempt: connect, send, response headers. */
  readonly timeoutMs: number;
  /** Delay before retry k (k = 1…); after the last one the delivery fails. */
  readonly retrySchedule: readonly number[];
  /** ± this fraction of each delay, at random. */
  readonly jitter: number;
  readonly pollMs: number;
  /** Attempts in flight at once per node. */
  readonly concurrency: number;
  /** Finished deliveries stay in the delivery log this long. */
  readonly logRetentionMs: number;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration ${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Settings given on the command line win over the environment. */
export interface ConfigOverrides {
  role?: string;
  /** Processes serving this node (RETOUCH_PROCESSES). */
  processes?: string;
  host?: string;
  port?: string;
  dataDir?: string;
  /** The routing table file (RETOUCH_CONFIG). */
  config?: string;
}

type Env = Record<string, string | undefined>;

const MB = 1024 * 1024;

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `expected an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

export { parseDuration };

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

function s3Config(env: Env): S3Config | undefined {
  const bucket = env.RETOUCH_S3_BUCKET || undefined;
  const related = Object.keys(env).filter((k) => k.startsWith('RETOUCH_S3_') && k !== 'RETOUCH_S3_BUCKET' && env[k]);
  if (bucket === undefined) {
    if (related.length > 0) throw new ConfigError(related[0]!, 'has no effect without RETOUCH_S3_BUCKET');
    return undefined;
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError('RETOUCH_S3_BUCKET', `"${bucket}" is not a valid bucket name`);
  const endpoint = env.RETOUCH_S3_ENDPOINT?.replace(/\/+$/, '') || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+$/.test(endpoint)) {
    throw new ConfigError('RETOUCH_S3_ENDPOINT', `expected an http(s) origin like "https://s3.example.com", got "${endpoint}"`);
  }
  const publicEndpoint = env.RETOUCH_S3_PUBLIC_ENDPOINT?.replace(/\/+$/, '') || undefined;
  if (publicEndpoint !== undefined && !/^https?:\/\/[^/\s]+$/.test(publicEndpoint)) {
    throw new ConfigError('RETOUCH_S3_PUBLIC_ENDPOINT', `expected an http(s) origin like "https://files.example.com", got "${publicEndpoint}"`);
  }
  const accessKeyId = env.RETOUCH_S3_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.RETOUCH_S3_SECRET_ACCESS_KEY || undefined;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError(accessKeyId ? 'RETOUCH_S3_SECRET_ACCESS_KEY' : 'RETOUCH_S3_ACCESS_KEY_ID', 'set both access key settings or neither');
  }
  return {
    bucket,
    endpoint,
    publicEndpoint,
    region: env.RETOUCH_S3_REGION || 'us-east-1',
    accessKeyId,
    secretAccessKey,
    forcePathStyle: boolean(env, 'RETOUCH_S3_FORCE_PATH_STYLE', endpoint !== undefined),
  };
}

/** The routing table: read and validated once, here, with the environment its secrets refer to. */
function routingTable(env: Env, overrides: ConfigOverrides): RoutingTable {
  const path = overrides.config ?? (env.RETOUCH_CONFIG || undefined);
  if (path === undefined) return DEFAULT_ROUTING_TABLE;
  try {
    return loadRoutingTable(resolve(path), env);
  } catch (err) {
    if (err instanceof RoutingTableError) throw new ConfigError(`RETOUCH_CONFIG (${path})`, err.message);
    throw err;
  }
}

function allowList(env: Env, name: string): string[] {
  const entries = (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    compileAllowList(entries);
  } catch (err) {
    throw new ConfigError(name, (err as Error).message);
  }
  return entries;
}

function webhookConfig(env: Env): WebhookConfig {
  const rawSchedule = env.RETOUCH_WEBHOOK_RETRY_SCHEDULE || '5s,30s,2m,10m,30m,1h';
  const retrySchedule = rawSchedule.split(',').map((part) => parseDuration(part));
  if (retrySchedule.some((ms) => ms === undefined) || retrySchedule.length > 50) {
    throw new ConfigError('RETOUCH_WEBHOOK_RETRY_SCHEDULE', `expected up to 50 comma-separated durations like "5s,30s,2m", got "${rawSchedule}"`);
  }
  return {
    allow: allowList(env, 'RETOUCH_WEBHOOK_ALLOW'),
    timeoutMs: duration(env, 'RETOUCH_WEBHOOK_TIMEOUT', 10_000, 10),
    retrySchedule: retrySchedule as number[],
    jitter: 0.2,
    pollMs: duration(env, 'RETOUCH_WEBHOOK_POLL_INTERVAL', 1000, 10),
    concurrency: integer(env, 'RETOUCH_WEBHOOK_CONCURRENCY', 16, 1, 1000),
    logRetentionMs: duration(env, 'RETOUCH_WEBHOOK_LOG_RETENTION', 72 * 3_600_000, 1000),
  };
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
  const role = oneOf({ ...env, RETOUCH_ROLE: overrides.role ?? env.RETOUCH_ROLE }, 'RETOUCH_ROLE', ROLES, 'all');
  const databaseUrl = env.RETOUCH_DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('RETOUCH_DATABASE_URL', 'expected a postgres:// or postgresql:// URL');
  }
  // A split needs state every node sees: a SQLite file belongs to one machine.
  if (role !== 'all' && databaseUrl === undefined) {
    throw new ConfigError(
      'RETOUCH_ROLE',
      `role "${role}" needs a shared database: set RETOUCH_DATABASE_URL=postgres://… (embedded SQLite only runs as role "all")`,
    );
  }
  const processes = integer({ ...env, RETOUCH_PROCESSES: overrides.processes ?? env.RETOUCH_PROCESSES }, 'RETOUCH_PROCESSES', 1, 1, 256);
  if (processes > 1 && databaseUrl === undefined) {
    throw new ConfigError(
      'RETOUCH_PROCESSES',
      `${processes} processes need a shared database: set RETOUCH_DATABASE_URL=postgres://… (embedded SQLite is served by one process; its task events do not cross processes)`,
    );
  }
  const databaseSchema = env.RETOUCH_DATABASE_SCHEMA || undefined;
  if (databaseSchema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(databaseSchema)) {
    throw new ConfigError('RETOUCH_DATABASE_SCHEMA', 'expected an identifier: letters, digits and "_", at most 63');
  }
  // The API's request timeout is 120 s: a long-poll must end well before it.
  const maxWaitMs = duration(env, 'RETOUCH_LONG_POLL_MAX_WAIT', 60_000, 1000);
  if (maxWaitMs > 110_000)
    throw new ConfigError('RETOUCH_LONG_POLL_MAX_WAIT', `at most 110s (requests time out after 120 s), got "${env.RETOUCH_LONG_POLL_MAX_WAIT}"`);
  // … and an idle socket is closed after 120 s: heartbeats must come well before.
  const heartbeatMs = duration(env, 'RETOUCH_SSE_HEARTBEAT', 15_000, 100);
  if (heartbeatMs > 60_000)
    throw new ConfigError('RETOUCH_SSE_HEARTBEAT', `at most 60s (idle connections close after 120 s), got "${env.RETOUCH_SSE_HEARTBEAT}"`);
  // Hardening (issue 9): one workspace may hold at most this much of the body budget; by
  // default small enough that another workspace's full-size (42 MB) body still fits beside it.
  const maxInflightBodyBytes = integer(env, 'RETOUCH_MAX_INFLIGHT_BODY_MB', 128, 1, 1_000_000) * MB;
  const perWorkspaceBytes =
    integer(env, 'RETOUCH_MAX_INFLIGHT_BODY_MB_PER_WORKSPACE', Math.max(1, Math.min(64, maxInflightBodyBytes / MB - 42)), 1, 1_000_000) * MB;
  if (perWorkspaceBytes > maxInflightBodyBytes) {
    throw new ConfigError('RETOUCH_MAX_INFLIGHT_BODY_MB_PER_WORKSPACE', 'must not exceed RETOUCH_MAX_INFLIGHT_BODY_MB');
  }
  const config: Config = {
    role,
    processes,
    databaseUrl,
    databaseSchema,
    s3: s3Config(env),
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
    maxInflightBodyBytes,
    retentionMs: duration(env, 'RETOUCH_RETENTION', 24 * 3_600_000),
    resultUrlTtlMs: duration(env, 'RETOUCH_RESULT_URL_TTL', 24 * 3_600_000),
    leaseMs: duration(env, 'RETOUCH_LEASE', 30_000, 1000),
    maxAttempts: integer(env, 'RETOUCH_MAX_ATTEMPTS', 3, 1, 100),
    taskTimeoutMs: duration(env, 'RETOUCH_TASK_TIMEOUT', 10 * 60_000, 1000),
    mlIdleTimeoutMs: duration(env, 'RETOUCH_ML_IDLE_TIMEOUT', 10 * 60_000, 0),
    mlRecycleAboveBytes: integer(env, 'RETOUCH_ML_RECYCLE_ABOVE', 768, 0, 1_000_000) * MB,
    isnet: env.RETOUCH_ISNET?.trim() || undefined,
    onnxRuntime: oneOf(env, 'RETOUCH_ONNX_RUNTIME', ['auto', 'web'] as const, 'auto'),
    // Level 3 without filtering: 0.7× the encode time of zlib's 6 for 2–3 % more bytes (docs/benchmarks.md).
    png: { compressionLevel: integer(env, 'RETOUCH_PNG_COMPRESSION', 3, 0, 9), adaptiveFiltering: boolean(env, 'RETOUCH_PNG_ADAPTIVE_FILTER', false) },
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
    push: {
      maxWaitMs,
      maxPerWorkspace: integer(env, 'RETOUCH_PUSH_MAX_PER_WORKSPACE', 256, 1, 1_000_000),
      maxTotal: integer(env, 'RETOUCH_PUSH_MAX_TOTAL', 4096, 1, 10_000_000),
      heartbeatMs,
    },
    bodies: {
      perWorkspaceBytes,
      deadlineMs: duration(env, 'RETOUCH_BODY_TIMEOUT', 60_000, 1000),
      minBytesPerSecond: integer(env, 'RETOUCH_BODY_MIN_RATE_KB', 64, 0, 1_000_000) * 1024,
    },
    uploadRatePerSecond: integer(env, 'RETOUCH_RATE_LIMIT_UPLOAD', 20, 0, 1_000_000),
    testEngineLog: env.RETOUCH_TEST_ENGINE_LOG || undefined,
    logLevel: oneOf(env, 'RETOUCH_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    routes: routingTable(env, overrides),
    webhooks: webhookConfig(env),
    metricsToken: env.RETOUCH_METRICS_TOKEN || undefined,
  };
  return Object.freeze(config);
}
