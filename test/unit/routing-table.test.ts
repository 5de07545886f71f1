/** The routing table file: validated once at boot, every error naming the field it is about. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { REPO_ROOT } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'retouch-routes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string, ext = 'yaml') => {
  const path = join(dir, `routes-${n++}.${ext}`);
  writeFileSync(path, text);
  return path;
};
const SECRET = 'sk-upstream-secret-value-123';
const load = (path: string, env: Record<string, string> = {}) => loadConfig({ RETOUCH_CONFIG: path, DASHSCOPE_API_KEY: SECRET, ...env });
const problem = (path: string, env?: Record<string, string>): string => {
  try {
    load(path, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('routing table', () => {
  it('without a file serves wan2.5-i2i-preview with the built-in engine, as before', () => {
    const config = loadConfig({});
    expect([...config.routes.routes.values()].map((r) => [r.name, r.engine])).toEqual([['wan2.5-i2i-preview', 'local']]);
  });

  it('reads YAML and JSON, with defaults filled in and the secret resolved but never printed', () => {
    const yaml = file(
      [
        'models:',
        '  wan2.5-i2i-preview:',
        '    engine: auto',
        '    fallback: wan-cloud',
        '  wan-cloud:',
        '    engine: dashscope',
        '    timeout: 15m',
        '    options:',
        '      base_url: https://dashscope.aliyuncs.com/api/v1/',
        '      api_key_env: DASHSCOPE_API_KEY',
      ].join('\n'),
    );
    const config = load(yaml);
    const cloud = config.routes.routes.get('wan-cloud')!;
    expect(cloud.options).toEqual({
      base_url: 'https://dashscope.aliyuncs.com/api/v1',
      api_key_env: 'DASHSCOPE_API_KEY',
      model: 'wan2.5-i2i-preview',
      poll_interval: 2000,
      query_per_second: 20,
      submit_per_second: 5,
      parameters: {},
    });
    expect(cloud.timeoutMs).toBe(15 * 60_000);
    expect(cloud.secrets.get('api_key_env')!.reveal()).toBe(SECRET);
    expect(JSON.stringify(config)).not.toContain(SECRET);
    expect(inspect(config, { depth: 10 })).not.toContain(SECRET);
    expect(String(cloud.secrets.get('api_key_env'))).not.toContain(SECRET);
    const json = file(JSON.stringify({ models: { local: { engine: 'local' } } }), 'json');
    expect(load(json).routes.routes.get('local')!.engine).toBe('local');
  });

  it.each([
    ['models:\n  m:\n    engine: gpu', 'models.m.engine', 'expected one of local, auto, dashscope'],
    ['models:\n  m:\n    engine: dashscope\n    options:\n      base_url: ftp://x', 'models.m.options.base_url', 'http(s) URL'],
    ['models:\n  m:\n    engine: dashscope\n    options:\n      api_key_env: MISSING_KEY', 'models.m.options.api_key_env', 'MISSING_KEY is not set'],
    ['models:\n  m:\n    engine: dashscope\n    options:\n      poll_interval: soon', 'models.m.options.poll_interval', 'duration'],
    ['models:\n  m:\n    engine: dashscope\n    options:\n      query_per_second: 0', 'models.m.options.query_per_second', ''],
    ['models:\n  m:\n    engine: dashscope\n    options:\n      api_key: sk-inline', 'models.m.options', 'api_key'],
    ['models:\n  m:\n    engine: auto\n    fallback: nowhere', 'models.m.fallback', 'names no route'],
    ['models:\n  m:\n    engine: auto\n    fallback: l\n  l:\n    engine: local', 'models.m.fallback', 'generative route'],
    ['models:\n  m:\n    engine: local\n    fallback: l', 'models.m.fallback', 'only a route with engine "auto"'],
    ['models:\n  m:\n    engine: local\n    concurrency: -1', 'models.m.concurrency', ''],
    ['models:\n  m:\n    engine: local\n    timeout: 5', 'models.m.timeout', 'duration'],
    ['models:\n  "bad name":\n    engine: local', 'models.bad name', 'model names'],
    ['modles: {}', 'RETOUCH_CONFIG', 'modles'],
    ['models: {}', 'models', 'lists no model'],
    ['models:\n  m: [unclosed', 'RETOUCH_CONFIG', 'not valid YAML'],
  ])('%j fails naming %s', (text, field, detail) => {
    const message = problem(file(text));
    expect(message).toContain(field);
    expect(message).toContain(detail);
    expect(message).not.toContain(SECRET);
  });

  it('a missing file fails the boot with its path', () => {
    expect(problem(join(dir, 'nope.yaml'))).toContain('cannot read');
  });

  it('`retouch serve --config` with a bad file exits 2 naming the field, secret never shown', () => {
    const bad = file('models:\n  cloud:\n    engine: dashscope\n    options:\n      api_key_env: DASHSCOPE_API_KEY\n      base_url: nope');
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'serve', '--config', bad, '--port', '0', '--data-dir', join(dir, 'data')], {
      env: { ...process.env, DASHSCOPE_API_KEY: SECRET },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('models.cloud.options.base_url');
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });
});
