/**
 * The routing table: model name → route. Read once at boot from the file named by `--config` /
 * RETOUCH_CONFIG (JSON or YAML), validated with zod; every error names the field's path, e.g.
 * `models.wan-cloud.options.base_url`. Without a file the table is today's behaviour: the
 * built-in engine serves `wan2.5-i2i-preview`. Reference: docs/upstreams.md.
 *
 * Credentials are never written in the file: a kind lists the option fields that name an
 * environment variable (`api_key_env: DASHSCOPE_API_KEY`), resolved here from the environment
 * config.ts passes in (it stays the only reader of process.env), into `Secret`s that never print.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { MODEL_WAN25_I2I } from '@retouch/sdk/protocol';
import { KINDS, engineNames } from './kinds.js';
import { durationMs } from './schema.js';
import { Secret } from './secret.js';

export interface RouteSpec {
  /** The model name clients send. */
  readonly name: string;
  /** local | auto | a kind of ./kinds.ts. */
  readonly engine: string;
  /** The kind's options, validated and defaulted by its schema. */
  readonly options: unknown;
  readonly secrets: ReadonlyMap<string, Secret>;
  readonly timeoutMs: number | undefined;
  readonly concurrency: number | undefined;
  /** auto: the route that runs what the built-in engine does not understand. */
  readonly fallback: string | undefined;
}

export interface RoutingTable {
  readonly routes: ReadonlyMap<string, RouteSpec>;
  /** The file it came from; undefined for the built-in default. */
  readonly source: string | undefined;
}

/** A problem in the file: `path` is the field (dotted), `problem` what is wrong with it. */
export class RoutingTableError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(path ? `${path}: ${problem}` : problem);
    this.name = 'RoutingTableError';
  }
}

export const DEFAULT_ROUTING_TABLE: RoutingTable = {
  routes: new Map([
    [
      MODEL_WAN25_I2I,
      { name: MODEL_WAN25_I2I, engine: 'local', options: {}, secrets: new Map(), timeoutMs: undefined, concurrency: undefined, fallback: undefined },
    ],
  ]),
  source: undefined,
};

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

const routeSchema = z
  .object({
    engine: z.string(),
    options: z.record(z.string(), z.unknown()).optional(),
    timeout: durationMs(1000).optional(),
    concurrency: z.number().int().min(1).max(100_000).optional(),
    fallback: z.string().optional(),
  })
  .strict();

const fileSchema = z
  .object({
    models: z.record(z.string(), routeSchema),
  })
  .strict();

type Env = Record<string, string | undefined>;

function firstIssue(error: z.ZodError, prefix: string): RoutingTableError {
  // A misspelt key explains a missing one better than "expected record, received undefined".
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return new RoutingTableError(path || '(file)', issue.message);
}

/** Validates a parsed file (any JSON value) into a routing table. */
export function parseRoutingTable(raw: unknown, env: Env, source?: string): RoutingTable {
  const file = fileSchema.safeParse(raw);
  if (!file.success) throw firstIssue(file.error, '');
  const entries = Object.entries(file.data.models);
  if (entries.length === 0) throw new RoutingTableError('models', 'lists no model: add at least one route');
  const routes = new Map<string, RouteSpec>();
  for (const [name, route] of entries) {
    const at = `models.${name}`;
    if (!MODEL_NAME.test(name)) throw new RoutingTableError(at, 'model names are 1-100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit');
    const names = engineNames();
    if (!names.includes(route.engine)) throw new RoutingTableError(`${at}.engine`, `expected one of ${names.join(', ')}, got "${route.engine}"`);
    let options: unknown = {};
    const secrets = new Map<string, Secret>();
    if (route.engine === 'auto') {
      if (route.options && Object.keys(route.options).length > 0)
        throw new RoutingTableError(`${at}.options`, 'engine "auto" takes no options (configure the fallback route)');
    } else {
      const kind = KINDS[route.engine]!;
      const parsed = kind.options.safeParse(route.options ?? {});
      if (!parsed.success) throw firstIssue(parsed.error, `${at}.options`);
      options = parsed.data;
      for (const field of kind.secretFields ?? []) {
        const variable = (parsed.data as Record<string, unknown>)[field];
        if (typeof variable !== 'string') continue;
        const value = env[variable];
        if (!value) throw new RoutingTableError(`${at}.options.${field}`, `environment variable ${variable} is not set`);
        secrets.set(field, new Secret(value));
      }
    }
    if (route.fallback !== undefined && route.engine !== 'auto') {
      throw new RoutingTableError(`${at}.fallback`, 'only a route with engine "auto" has a fallback');
    }
    routes.set(name, { name, engine: route.engine, options, secrets, timeoutMs: route.timeout, concurrency: route.concurrency, fallback: route.fallback });
  }
  for (const route of routes.values()) {
    if (route.fallback === undefined) continue;
    const target = routes.get(route.fallback);
    const at = `models.${route.name}.fallback`;
    if (!target) throw new RoutingTableError(at, `names no route of this file: "${route.fallback}"`);
    if (target.engine === 'auto' || target.engine === 'local') {
      throw new RoutingTableError(at, `must name a generative route (not engine "${target.engine}"): "${route.fallback}"`);
    }
  }
  return { routes, source };
}

/** Reads and validates the file; JSON for *.json, YAML (a superset of JSON) otherwise. */
export function loadRoutingTable(path: string, env: Env): RoutingTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RoutingTableError('', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new RoutingTableError(
      '',
      `${path} is not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  return parseRoutingTable(raw, env, path);
}
