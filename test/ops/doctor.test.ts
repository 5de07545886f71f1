/**
 * `retouch doctor` as an operator runs it (the built CLI, a child process): a healthy data dir
 * passes with exit 0; each planted fault is reported, with its fix, and exit 1. (A missing font
 * is planted in an installed copy of the package: test/install/pack-install.test.ts.) Upstream
 * routes are checked against a second retouch as the DashScope upstream.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/db/sqlite/database.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { startS3 } from '../helpers/s3-server.js';
import { REPO_ROOT, startTestServer } from '../helpers/server.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'retouch-doctor-'));
chmodSync(work, 0o755); // the unprivileged-user case must reach into it
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Finding {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  summary: string;
  fix?: string;
}

/** Runs `retouch doctor --json` with only `env` as RETOUCH_* settings. */
async function doctor(env: Record<string, string>, extra: { uid?: number; gid?: number; args?: string[] } = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RETOUCH_')));
  const result = await run(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'doctor', '--json', ...(extra.args ?? [])], {
    cwd: work,
    env: { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', HOME: work, ...env },
    uid: extra.uid,
    gid: extra.gid,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
  const report = JSON.parse(result.stdout) as { ok: boolean; findings: Finding[] };
  return { code: result.code, report, failed: report.findings.filter((f) => f.status === 'fail') };
}

describe('retouch doctor', () => {
  it('a healthy data dir: every check ok, exit 0', async () => {
    const server = await startTestServer();
    const { dataDir } = server;
    await server.server.close(); // a data dir as a stopped service leaves it
    const { code, report } = await doctor({ RETOUCH_DATA_DIR: dataDir });
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect([...new Set(report.findings.map((f) => f.check))]).toEqual(['config', 'data-dir', 'store', 'blobs', 'fonts', 'models', 'routes', 'clock']);
    expect(report.findings.every((f) => f.status === 'ok')).toBe(true);
    expect(report.findings.find((f) => f.check === 'store')!.summary).toContain(`schema version ${MIGRATIONS.length} (current)`);
    expect(report.findings.map((f) => f.summary)).toContain(
      `ONNX runtime: onnxruntime-node 1.30.0 (native CPU, ${Math.min(2, availableParallelism())} threads)`,
    );
    // The WebAssembly build when asked for (the fallback ort.ts also takes when the native one does not load).
    const web = await doctor({ RETOUCH_DATA_DIR: dataDir, RETOUCH_ONNX_RUNTIME: 'web' });
    expect(web.code).toBe(0);
    expect(web.report.findings.find((f) => f.summary.startsWith('ONNX runtime:'))).toEqual({
      check: 'models',
      status: 'ok',
      summary: 'ONNX runtime: onnxruntime-web 1.30.0 (WebAssembly; RETOUCH_ONNX_RUNTIME=web)',
    });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the human-readable report says what is wrong and the fix, exit 1', async () => {
    const blocker = join(work, 'a-file');
    writeFileSync(blocker, '');
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RETOUCH_')));
    const out = await run(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'doctor'], {
      cwd: work,
      env: { ...base, RETOUCH_DATA_DIR: join(blocker, 'data') },
    }).catch((err: { code: number; stdout: string }) => err);
    expect((out as { code?: number }).code).toBe(1);
    expect(out.stdout).toMatch(/^FAIL {2}data-dir .*cannot be created: .*a-file is not a directory$/m);
    expect(out.stdout).toMatch(/^ +fix: make .* writable by this user/m);
    expect(out.stdout).toMatch(/problem\(s\) found\n$/);
  });

  it('a data dir this user cannot write (unprivileged user, directory owned by root)', async () => {
    const dir = join(work, 'root-owned');
    mkdirSync(dir, { mode: 0o755 });
    const { code, failed } = await doctor({ RETOUCH_DATA_DIR: dir }, { uid: 65534, gid: 65534 });
    expect(code).toBe(1);
    expect(failed).toEqual([
      expect.objectContaining({
        check: 'data-dir',
        summary: expect.stringMatching(/is not writable: EACCES/),
        fix: expect.stringContaining(`sudo install -d -o $(id -un) ${dir}`),
      }),
    ]);
  });

  // procfs answers ENOENT to a mkdir of any child, and Node's recursive mkdir then retried the
  // parent forever at 100 % CPU: both commands hung.
  it.skipIf(!existsSync('/proc/self'))('a data dir under /proc (not creatable, even by root): doctor fails the check, serve exits 1', async () => {
    const dir = '/proc/retouch-doctor-test/data';
    const { code, failed } = await doctor({ RETOUCH_DATA_DIR: dir });
    expect(code).toBe(1);
    expect(failed[0]).toMatchObject({ check: 'data-dir', summary: expect.stringMatching(/cannot be created: ENOENT/) });
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RETOUCH_')));
    const serve = await run(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'serve', '--port', '0', '--data-dir', dir], { cwd: work, env: base }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect((serve as { code?: number }).code).toBe(1);
    expect(serve.stderr).toContain('ENOENT');
  });

  it('a wrong database URL: nothing listening, or no such database', async () => {
    const refused = await doctor({ RETOUCH_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });
    expect(refused.code).toBe(1);
    expect(refused.failed).toEqual([
      expect.objectContaining({
        check: 'store',
        summary: expect.stringContaining('cannot connect to postgres://postgres@127.0.0.1:1/test: ECONNREFUSED'),
        fix: expect.stringContaining('check the host and port in RETOUCH_DATABASE_URL'),
      }),
    ]);
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = '/no_such_database_here';
    url.password = url.password ? 'hidden-in-output' : '';
    const missing = await doctor({ RETOUCH_DATABASE_URL: url.toString() });
    expect(missing.code).toBe(1);
    expect(missing.failed[0]).toMatchObject({ check: 'store', summary: expect.stringContaining('3D000'), fix: expect.stringContaining('create the database') });
    expect(JSON.stringify(missing.report)).not.toContain('hidden-in-output');
  });

  it('PostgreSQL reachable: schema state and the clock against the database server', async () => {
    const schema = newSchemaName();
    try {
      const { code, report } = await doctor({ RETOUCH_DATABASE_URL: TEST_DATABASE_URL, RETOUCH_DATABASE_SCHEMA: schema });
      expect(code).toBe(0);
      expect(report.findings.find((f) => f.check === 'store')!.summary).toContain(`no retouch schema yet in "${schema}"`);
      expect(report.findings.find((f) => f.check === 'clock')!.summary).toMatch(/the PostgreSQL server$/);
    } finally {
      await dropSchema(schema);
    }
  });

  it('a data dir from a newer retouch', async () => {
    const dir = join(work, 'newer');
    mkdirSync(dir);
    const db = new Database(join(dir, 'retouch.db'));
    db.pragma(`user_version = ${MIGRATIONS.length + 3}`);
    db.close();
    const { code, failed } = await doctor({ RETOUCH_DATA_DIR: dir });
    expect(code).toBe(1);
    expect(failed).toEqual([
      expect.objectContaining({
        check: 'store',
        summary: expect.stringContaining(`schema version ${MIGRATIONS.length + 3}; this retouch knows up to ${MIGRATIONS.length}`),
        fix: expect.stringContaining('retouch restore'),
      }),
    ]);
  });

  it('S3: an unreachable endpoint fails; a reachable one passes, with its clock compared', async () => {
    const down = await doctor({
      RETOUCH_S3_BUCKET: 'results',
      RETOUCH_S3_ENDPOINT: 'http://127.0.0.1:1',
      RETOUCH_S3_ACCESS_KEY_ID: 'a',
      RETOUCH_S3_SECRET_ACCESS_KEY: 'b',
      RETOUCH_DATA_DIR: join(work, 's3-down'),
    });
    expect(down.code).toBe(1);
    expect(down.failed).toEqual([expect.objectContaining({ check: 'blobs', fix: expect.stringContaining('check RETOUCH_S3_ENDPOINT') })]);
    const s3 = await startS3();
    try {
      const up = await doctor({ ...s3.env, RETOUCH_DATA_DIR: join(work, 's3-up') });
      expect(up.failed).toEqual([]);
      expect(up.report.findings.find((f) => f.check === 'blobs')!.summary).toContain('answers');
      expect(up.report.findings.find((f) => f.check === 'clock')!.summary).toMatch(/the S3 store \(±1 s\)$/);
    } finally {
      await s3.close();
    }
  });

  it('upstream routes: an unreachable base URL and a refused key are reported; a good route passes', async () => {
    const upstream = await startTestServer();
    // A port nothing listens on (fetch refuses well-known ports such as 1 outright).
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    try {
      const file = join(work, 'routes.yaml');
      writeFileSync(
        file,
        [
          'models:',
          '  cloud-ok:',
          '    engine: dashscope',
          `    options: { base_url: "${upstream.url}/api/v1", api_key_env: GOOD_KEY }`,
          '  cloud-bad-key:',
          '    engine: dashscope',
          `    options: { base_url: "${upstream.url}/api/v1", api_key_env: BAD_KEY }`,
          '  cloud-down:',
          '    engine: dashscope',
          `    options: { base_url: "http://127.0.0.1:${closedPort}/api/v1", api_key_env: GOOD_KEY }`,
          '',
        ].join('\n'),
      );
      const { code, report, failed } = await doctor(
        { RETOUCH_DATA_DIR: join(work, 'routes-data'), GOOD_KEY: upstream.key, BAD_KEY: 'sk-not-a-key-of-the-upstream' },
        { args: ['--config', file] },
      );
      expect(code).toBe(1);
      const routes = report.findings.filter((f) => f.check === 'routes');
      expect(routes).toHaveLength(3);
      expect(routes.find((f) => f.summary.includes('"cloud-ok"'))).toMatchObject({
        status: 'ok',
        summary: expect.stringContaining('answers and accepts the key'),
      });
      expect(failed).toEqual([
        expect.objectContaining({
          summary: expect.stringContaining('route "cloud-bad-key" (dashscope'),
          fix: expect.stringContaining('check the key in $BAD_KEY'),
        }),
        expect.objectContaining({
          summary: expect.stringMatching(/route "cloud-down" .* is unreachable: ECONNREFUSED/),
          fix: expect.stringContaining(`check options.base_url of "cloud-down" in ${file}`),
        }),
      ]);
      // The keys themselves never appear in the report.
      expect(JSON.stringify(report)).not.toContain(upstream.key);
    } finally {
      await upstream.close();
    }
  });

  it('a setting that does not parse: the config check fails, the checks that need it are skipped', async () => {
    const { code, report } = await doctor({ RETOUCH_PORT: 'eighty' });
    expect(code).toBe(1);
    expect(report.findings[0]).toMatchObject({ check: 'config', status: 'fail', summary: expect.stringContaining('RETOUCH_PORT') });
    expect([...new Set(report.findings.map((f) => f.check))]).toEqual(['config', 'fonts']);
  });
});
