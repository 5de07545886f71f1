/**
 * The SDK as a user gets it: `npm pack` of the packages/sdk workspace, installed from that tarball
 * alone into an empty folder (`--offline`: the tarball is the only source, so a runtime dependency
 * would fail the install), then imported from that folder, as ESM and as CommonJS, and used for an
 * edit against a live retouch started by the test.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testImage } from '../helpers/http.js';
import { REPO_ROOT, startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'retouch-sdk-pack-'));
const app = join(work, 'app');

/** Edits one image with the installed SDK and prints what came back, as JSON. */
const editScript = (importLine: string) => `${importLine}
const { readdirSync } = require_('node:fs');
const client = createClient({ baseUrl: process.env.RETOUCH_URL, apiKey: process.env.RETOUCH_KEY });
const result = await client.edit({
  model: 'retouch-test',
  prompt: 'make it brighter',
  images: ['./input.png'],
  n: 1,
  outputDir: './out-' + process.env.FLAVOUR,
  initialIntervalMs: 50,
});
console.log(JSON.stringify({
  status: result.status,
  saved: result.download?.saved,
  files: readdirSync('./out-' + process.env.FLAVOUR),
  terminal: isTerminal(result.status),
}));
`;

describe('the packed SDK, installed alone', () => {
  let server: TestServer;
  let tarball = '';

  beforeAll(async () => {
    server = await startTestServer();
    const packed = await run('npm', ['pack', '--workspace', '@retouch/sdk', '--pack-destination', work, '--json'], { cwd: REPO_ROOT, maxBuffer: 16 << 20 });
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    tarball = join(work, info.filename);
    rmSync(app, { recursive: true, force: true });
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'sdk-user', private: true, type: 'module' }));
    writeFileSync(join(app, 'input.png'), await testImage());
    await run('npm', ['install', '--offline', '--no-package-lock', '--no-audit', '--no-fund', tarball], { cwd: app, maxBuffer: 16 << 20 });
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('installs nothing but itself, with types for both module systems', () => {
    const modules = readdirSync(join(app, 'node_modules')).filter((name) => !name.startsWith('.'));
    expect(modules).toEqual(['@retouch']);
    expect(readdirSync(join(app, 'node_modules/@retouch'))).toEqual(['sdk']);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/@retouch/sdk/package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.dependencies).toBeUndefined();
    const root = join(app, 'node_modules/@retouch/sdk/dist');
    for (const file of ['esm/index.js', 'esm/index.d.ts', 'esm/protocol/index.d.ts', 'cjs/index.js', 'cjs/index.d.ts', 'cjs/package.json']) {
      expect(() => readFileSync(join(root, file)), file).not.toThrow();
    }
  });

  it.each([
    [
      'esm',
      'edit.mjs',
      "import { createClient, isTerminal } from '@retouch/sdk';\nimport { createRequire } from 'node:module';\nconst require_ = createRequire(import.meta.url);",
    ],
    ['cjs', 'edit.cjs', "const { createClient, isTerminal } = require('@retouch/sdk');\nconst require_ = require;\n(async () => {"],
  ])('runs an edit against a live retouch (%s)', async (flavour, file, head) => {
    const body = editScript(head);
    writeFileSync(join(app, file), flavour === 'cjs' ? `${body}})().catch((e) => { console.error(e); process.exit(1); });\n` : body);
    const { stdout } = await run(process.execPath, [file], {
      cwd: app,
      env: { ...process.env, RETOUCH_URL: server.url, RETOUCH_KEY: server.key, FLAVOUR: flavour },
    });
    expect(JSON.parse(stdout.trim())).toEqual({ status: 'SUCCEEDED', saved: 1, files: [expect.stringMatching(/\.png$/)], terminal: true });
  });

  it('exposes the wire protocol as @retouch/sdk/protocol', async () => {
    writeFileSync(
      join(app, 'protocol.mjs'),
      "import { validateCreateRequest, REQUEST_ERRORS } from '@retouch/sdk/protocol';\n" +
        'console.log(JSON.stringify({ problem: validateCreateRequest({}), status: REQUEST_ERRORS.InvalidApiKey }));\n',
    );
    const { stdout } = await run(process.execPath, ['protocol.mjs'], { cwd: app });
    expect(JSON.parse(stdout.trim())).toEqual({
      problem: { code: 'BadRequest.EmptyModel', message: 'Required parameter "model" missing from request.' },
      status: 401,
    });
  });
});
