/**
 * The web console (web/, built by `npm run build` into dist/web) served at `/`.
 *
 * The build is small (well under 1 MB), so it is read into memory once, with a gzip copy and an
 * ETag per file, and each file gets its own exact route: nothing outside the build can be
 * reached through these routes, and unknown paths still get the API's JSON 404.
 *
 * Caching: Vite names assets by content hash, so `/assets/*` are immutable for a year; the page
 * itself is revalidated on every load (`no-cache` + ETag), so a new build shows up at once.
 * The page's CSP allows its own origin only (plus `blob:` images: the previews of files the user
 * picks are object URLs, which never leave the browser).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** dist/web, whether this module runs from src/ (tsx, tests) or dist/ (the build). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

export const CONSOLE_CSP = [
  "default-src 'self'",
  "img-src 'self' blob:",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

interface StaticFile {
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : entry.isFile() ? [path] : [];
  });
}

function load(dir: string, path: string): StaticFile | undefined {
  const type = TYPES[extname(path).toLowerCase()];
  if (!type) return undefined;
  const body = readFileSync(path);
  const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 512;
  const immutable = relative(dir, path).split(sep)[0] === 'assets';
  return {
    body,
    gzip: compressible ? gzipSync(body, { level: 9 }) : undefined,
    type,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    cacheControl: immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
}

function send(file: StaticFile, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('cache-control', file.cacheControl)
    .header('etag', file.etag)
    .header('vary', 'accept-encoding')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .type(file.type);
  const match = request.headers['if-none-match'];
  if (typeof match === 'string' && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file.etag)) {
    return reply.status(304).send();
  }
  const accepts = request.headers['accept-encoding'];
  if (file.gzip && typeof accepts === 'string' && /\bgzip\b/.test(accepts)) {
    return reply.header('content-encoding', 'gzip').send(file.gzip);
  }
  return reply.send(file.body);
}

/** Registers `/` and one route per built file; without a build, `/` says how to make one. */
export function registerConsoleRoutes(app: FastifyInstance, options: { dir?: string } = {}): void {
  const dir = options.dir ?? DEFAULT_CONSOLE_DIR;
  let files: string[] = [];
  try {
    if (statSync(dir).isDirectory()) files = listFiles(dir);
  } catch {
    files = [];
  }
  const index = files.find((f) => relative(dir, f) === 'index.html');
  if (!index) {
    // In the API's error shape, like every other path that has nothing to serve.
    app.get('/', async (request, reply) =>
      reply.status(404).header('content-security-policy', "default-src 'none'; frame-ancestors 'none'").type('application/json').send({
        request_id: request.id,
        code: 'NotFound',
        message: 'The web console is not built: run `npm run build` (it builds web/ into dist/web) and restart retouch.',
      }),
    );
    return;
  }
  // Exact paths only: the router also matches "//" or "/index.html/" (ignoreTrailingSlash), which
  // get the API's JSON 404 like any other unknown path.
  const exactly = (url: string, file: StaticFile) => async (request: FastifyRequest, reply: FastifyReply) =>
    (request.url.split('?')[0] ?? '') === url ? send(file, request, reply) : reply.callNotFound();
  for (const path of files) {
    const file = load(dir, path);
    if (!file) continue;
    const url = `/${relative(dir, path).split(sep).join('/')}`;
    app.get(url, exactly(url, file));
    if (url === '/index.html') app.get('/', exactly('/', file));
  }
}
