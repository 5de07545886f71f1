/**
 * What the routing table hands an upstream engine factory besides its validated options.
 * config.ts is the only reader of the environment, so a route names its secret by env var
 * (`api_key_env`) and the factory receives the value, never the variable.
 */
export interface UpstreamLog {
  warn(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

export interface UpstreamContext {
  /** The route (model name) this engine serves, for logs and messages. */
  readonly route?: string;
  /** The value of the env var named by the route's `api_key_env`; undefined = send no key. */
  readonly apiKey?: string;
  readonly log: UpstreamLog;
  /** The route's `concurrency` and `timeout` (ms); 0 or absent = the engine's defaults. */
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  /** Where relative paths in the options (a workflow file) are resolved from: the config file's folder. */
  readonly baseDir?: string;
}
