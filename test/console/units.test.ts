/**
 * The console's pure parts: the event-stream parser, the protocol's image limits (the same codes
 * and messages as the server's own checks), and the static route without a build.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { registerConsoleRoutes } from '../../src/api/routes/console.js';
import { ApiError } from '../../src/errors.js';
import { checkImage } from '../../src/inputs/image-check.js';
import { checkImageLimits, type ImageFacts } from '@retouch/sdk/protocol';
import { createSseParser, type SseEvent } from '../../web/src/events.js';
import { REPO_ROOT, startTestServer } from '../helpers/server.js';

describe('event-stream parser', () => {
  it('splits events across chunks, skips comments, joins data lines', () => {
    const events: SseEvent[] = [];
    const feed = createSseParser((e) => events.push(e));
    feed(': ping\n\nid: 1\nevent: task\ndata: {"a":');
    feed('1}\n\nid: 2\r\nevent: task\r\ndata: line one\r\ndata: line two\r\n');
    expect(events).toEqual([{ id: '1', event: 'task', data: '{"a":1}' }]);
    feed('\r\ndata: plain\n\n');
    expect(events.slice(1)).toEqual([
      { id: '2', event: 'task', data: 'line one\nline two' },
      { id: '2', event: 'message', data: 'plain' },
    ]);
  });
});

describe('image limits shared with the browser', () => {
  const facts = async (bytes: Buffer): Promise<ImageFacts> => {
    const meta = await sharp(bytes)
      .metadata()
      .catch(() => undefined);
    return { byteLength: bytes.length, head: bytes.subarray(0, 32), dims: meta?.width ? { width: meta.width, height: meta.height! } : undefined };
  };
  const serverProblem = async (bytes: Buffer) => {
    try {
      await checkImage(bytes, 'input.images[1]');
      return undefined;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return { code: err.code, message: err.message };
    }
  };

  it('gives the server’s code and message for each broken limit', async () => {
    const png = (w: number, h: number) =>
      sharp({ create: { width: w, height: h, channels: 3, background: '#336699' } })
        .png()
        .toBuffer();
    const good = await png(400, 500);
    const truncated = good.subarray(0, 60);
    const cases = [
      good,
      await png(300, 500),
      await png(400, 5001),
      Buffer.from('GIF89a not supported'),
      truncated,
      Buffer.concat([good, Buffer.alloc(10 * 1024 * 1024)]),
    ];
    for (const bytes of cases) {
      const server = await serverProblem(bytes);
      expect(checkImageLimits('input.images[1]', await facts(bytes))).toEqual(server);
    }
    expect(await serverProblem(cases[1]!)).toMatchObject({ code: 'InvalidImageResolution' });
    expect(await serverProblem(cases[3]!)).toMatchObject({ code: 'InvalidImage.FileFormat' });
  });
});

describe('console route', () => {
  it('explains how to build the console when there is no build', async () => {
    const app = Fastify();
    registerConsoleRoutes(app, { dir: join(tmpdir(), 'no-such-console-build') });
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({ code: 'NotFound', message: expect.stringContaining('npm run build') });
    await app.close();
  });

  it('serves only the built files, gzipped when asked, with revalidation for the page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-build-'));
    try {
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), `<!doctype html><title>x</title>${'<p>padding</p>'.repeat(100)}`);
      writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
      writeFileSync(join(dir, 'notes.txt'), 'not a console file type');
      const app = Fastify();
      registerConsoleRoutes(app, { dir });
      const page = await app.inject({ url: '/', headers: { 'accept-encoding': 'gzip, br' } });
      expect(page.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(page.rawPayload).toString()).toContain('<title>x</title>');
      expect(page.headers['cache-control']).toBe('no-cache');
      const again = await app.inject({ url: '/index.html', headers: { 'if-none-match': String(page.headers.etag) } });
      expect(again.statusCode).toBe(304);
      const asset = await app.inject({ url: '/assets/app-1234.js' });
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.body).toBe('console.log(1)');
      expect((await app.inject({ url: '/notes.txt' })).statusCode).toBe(404);
      expect((await app.inject({ url: '/?from=bookmark' })).statusCode).toBe(200);
      expect((await app.inject({ url: '/assets/../index.html' })).statusCode).not.toBe(500);
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JavaScript budget check', () => {
  it('sums the first load (entry and its static imports, gzipped) and fails over the budget', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-budget-'));
    try {
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<script type="module" crossorigin src="/assets/entry.js"></script>');
      // Random bytes do not compress: about 30 KB gzipped across the entry and its import (lazy.js is not
      // imported, so it does not count).
      writeFileSync(join(dir, 'assets', 'entry.js'), `import "./dep.js";\n// ${randomBytes(10_000).toString('base64')}`);
      writeFileSync(join(dir, 'assets', 'dep.js'), `// ${randomBytes(20_000).toString('base64')}`);
      writeFileSync(join(dir, 'assets', 'lazy.js'), `// ${randomBytes(200_000).toString('base64')}`);
      const run = (budget: string) =>
        spawnSync(process.execPath, ['web/scripts/check-budget.mjs', '--dir', dir, '--budget-kb', budget], { cwd: REPO_ROOT, encoding: 'utf8' });
      const within = run('150');
      expect(within.status).toBe(0);
      const total = Number(/first-load JavaScript: ([\d.]+) KB/.exec(within.stdout)?.[1]);
      expect(total).toBeGreaterThan(25);
      expect(total).toBeLessThan(35);
      const over = run('20');
      expect(over.status).toBe(1);
      expect(over.stderr).toContain('over budget');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the console on a real server', () => {
  it('is served at / with its own CSP, caching headers and nothing from elsewhere', async () => {
    const server = await startTestServer({ RETOUCH_WORKER_CONCURRENCY: '0' });
    try {
      const page = await fetch(`${server.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self'; img-src 'self' blob:; script-src 'self'/);
      const html = await page.text();
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      const etag = asset.headers.get('etag')!;
      expect((await fetch(`${server.url}${script}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
      expect(html).not.toMatch(/https?:\/\//);
      // The API keeps its own, stricter policy.
      const api = await fetch(`${server.url}/api/v1/tasks`, { headers: { authorization: `Bearer ${server.key}` } });
      expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    } finally {
      await server.close();
    }
  });
});
