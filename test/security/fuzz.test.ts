/**
 * Property-based fuzzing of the HTTP API (fast-check) against a real app with a real SQLite
 * store: malformed bodies, headers, paths and query strings never give a 5xx and always give
 * either a JSON DashScope error body `{request_id, code, message}` or a 200 of the right shape.
 * Error messages never carry stack traces, SQL or file paths. Plus raw-socket cases that only
 * Node's HTTP parser sees (Content-Length mismatches and the like).
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_PATH, imageDataUri } from '../helpers/http.js';
import { startSecServer, type SecServer } from './helpers.js';

const LEAK =
  /\bat [\w.<>]+ \(|node_modules|\/tmp\/|\/work\/|\/home\/|\.ts:\d|\.js:\d|SELECT |INSERT |UPDATE tasks|sqlite|SQLITE_|TypeError|RangeError|ReferenceError|undefined is not|Cannot read prop/i;

let s: SecServer;
let image: string;
let seen = 0;
const statuses = new Map<number, number>();

beforeAll(async () => {
  // No workers (tasks that pass validation just stay PENDING) and no rate limits: the fuzz is
  // about parsing and validation, and 429s would hide them.
  s = await startSecServer({ RETOUCH_WORKER_CONCURRENCY: '0', RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_RATE_LIMIT_QUERY: '0' });
  image = await imageDataUri(384, 384);
});
afterAll(async () => {
  console.log(`fuzz: ${seen} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  await s.close();
});

function checkResponse(res: LightMyRequestResponse, what: string): void {
  seen++;
  statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  const context = `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, context).toBeLessThan(500);
  expect(res.headers['content-type'], context).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  if (res.statusCode >= 400 && /^\S+ \/v1(\/|\?|$)/.test(what)) {
    // The OpenAI-compatible routes (/v1/…) answer in OpenAI's error shape.
    expect(Object.keys(body), context).toEqual(['error']);
    const error = body.error as Record<string, unknown>;
    expect(Object.keys(error).sort(), context).toEqual(['code', 'message', 'param', 'type']);
    expect(error.message, context).not.toMatch(LEAK);
    return;
  }
  if (res.statusCode >= 400) {
    expect(Object.keys(body).sort(), context).toEqual(['code', 'message', 'request_id']);
    expect(body.request_id, context).toBe(res.headers['x-request-id']);
    expect(typeof body.code === 'string' && typeof body.message === 'string', context).toBe(true);
    expect(body.message, context).not.toMatch(LEAK);
    expect((body.message as string).length, context).toBeLessThan(600);
  } else {
    expect(res.statusCode, context).toBe(200);
    expect(typeof body.request_id, context).toBe('string');
    const output = body.output as Record<string, unknown> | undefined;
    if (output) expect(typeof output.task_status === 'string' || typeof output.task_id === 'string', context).toBe(true);
    else if ('data' in body) expect(Array.isArray(body.data), context).toBe(true);
  }
}

const auth = () => ({ authorization: `Bearer ${s.key}` });
const createHeaders = () => ({ ...auth(), 'x-dashscope-async': 'enable', 'content-type': 'application/json' });

/** A valid create body, for mutation. */
const validBody = () => ({ model: 'retouch-test', input: { prompt: 'sleep=1', images: [image] }, parameters: { n: 1 } });

const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    'data:',
    'data:image/png;base64,',
    'oss://',
    'file:///etc/passwd',
    'http://',
    '1280*1280',
    '0*0',
    '99999*1',
    '-1',
    'NaN',
  ),
  fc.constantFrom(-1, 0, 1, 4, 5, 1.5, -0, 2 ** 31, 2 ** 53, 1e308, Number.MIN_VALUE, true, false, null),
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 3_000 }).map((d) => JSON.parse('['.repeat(d) + ']'.repeat(d))),
  fc.constant(JSON.parse('{"__proto__": {"n": 1, "polluted": true}, "constructor": {"prototype": {"x": 1}}}')),
  fc.array(fc.string(), { maxLength: 10 }),
);

const paths: string[][] = [
  ['model'],
  ['input'],
  ['parameters'],
  ['input', 'prompt'],
  ['input', 'images'],
  ['input', 'images', '0'],
  ['input', 'images', '1'],
  ['input', 'negative_prompt'],
  ['parameters', 'n'],
  ['parameters', 'size'],
  ['parameters', 'seed'],
  ['parameters', 'prompt_extend'],
  ['parameters', 'watermark'],
  ['__proto__'],
  ['input', '__proto__'],
  ['parameters', '__proto__'],
  ['constructor'],
];

function setPath(target: Record<string, any>, path: string[], value: unknown): Record<string, any> {
  let node: any = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null)
      Object.defineProperty(node, key, { value: {}, enumerable: true, writable: true, configurable: true });
    node = node[key];
  }
  // defineProperty, so "__proto__" becomes an own key that JSON.stringify writes out.
  Object.defineProperty(node, path[path.length - 1]!, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

describe('fuzz: create bodies', () => {
  it('wrong types and hostile values at every path of the create body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...paths), nasty), { minLength: 1, maxLength: 3 }), async (mutations) => {
        const body = validBody();
        // A JSON round trip gives each run its own copy (fast-check reuses values while shrinking)
        // and keeps "__proto__" an own key, as JSON.parse on the server will.
        for (const [path, value] of mutations) setPath(body, path, JSON.parse(JSON.stringify(value) ?? 'null'));
        const payload = JSON.stringify(body);
        const res = await s.server.app.inject({ method: 'POST', url: CREATE_PATH, headers: createHeaders(), payload });
        checkResponse(res, `mutations ${payload.slice(0, 200)}`);
      }),
      { numRuns: 1200, seed: 5 },
    );
  });

  it('arbitrary JSON documents', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (doc) => {
        const res = await s.server.app.inject({ method: 'POST', url: CREATE_PATH, headers: createHeaders(), payload: JSON.stringify(doc) ?? 'null' });
        checkResponse(res, `json ${JSON.stringify(doc)?.slice(0, 200)}`);
      }),
      { numRuns: 800, seed: 6 },
    );
  });

  it('arbitrary bytes (invalid UTF-8, truncated JSON) with arbitrary content types', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      fc
        .constantFrom(
          '{"model":"retouch-test","input":{"prompt":"\xff\xfe","images":["x"]}}',
          '{"model":',
          '{"a":1}{"b":2}',
          '\ufeff{}',
          '[]',
          'null',
          '"x"',
          '1e999',
          '{"model":"retouch-test","input":{"prompt":"\\ud800","images":["x"]}}',
        )
        .map((t) => Buffer.from(t, 'latin1')),
      fc.tuple(fc.jsonValue(), fc.nat({ max: 50 })).map(([v, cut]) => Buffer.from(JSON.stringify(v) ?? '').subarray(cut)),
    );
    const types = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
      'application/json; charset=latin1',
      '*/*',
      '\u00e9',
    );
    await fc.assert(
      fc.asyncProperty(bytes, types, async (payload, type) => {
        const headers: Record<string, string> = { ...auth(), 'x-dashscope-async': 'enable' };
        if (type) headers['content-type'] = type;
        let res: LightMyRequestResponse;
        try {
          res = await s.server.app.inject({ method: 'POST', url: CREATE_PATH, headers, payload: Buffer.from(payload) });
        } catch {
          return; // a header value Node itself refuses to send
        }
        checkResponse(res, `bytes ${Buffer.from(payload).toString('hex').slice(0, 80)} as ${type}`);
      }),
      { numRuns: 800, seed: 7 },
    );
  });
});

describe('fuzz: headers, paths and query strings', () => {
  it('random Authorization, async, workspace and content-type headers on every route', async () => {
    const headerValue = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom('Bearer', 'Bearer ', 'bearer  sk-x', 'Basic dXNlcjpwYXNz', `Bearer ${'a'.repeat(10_000)}`, 'enable', 'ENABLE', 'disable'),
    );
    const route = fc.constantFrom(
      { method: 'POST' as const, url: CREATE_PATH },
      { method: 'POST' as const, url: '/api/v1/services/aigc/text2image/image-synthesis' },
      { method: 'GET' as const, url: '/api/v1/tasks/abc' },
      { method: 'GET' as const, url: '/api/v1/tasks' },
      { method: 'POST' as const, url: '/api/v1/tasks/abc/cancel' },
    );
    await fc.assert(
      fc.asyncProperty(route, fc.boolean(), headerValue, headerValue, headerValue, async (r, validKey, authz, asyncHeader, ws) => {
        const headers: Record<string, string> = {
          authorization: validKey ? `Bearer ${s.key}` : authz,
          'x-dashscope-async': asyncHeader,
          'x-dashscope-workspace': ws,
          'content-type': 'application/json',
        };
        let res: LightMyRequestResponse;
        try {
          res = await s.server.app.inject({ ...r, headers, payload: r.method === 'POST' ? JSON.stringify(validBody()) : undefined });
        } catch {
          return; // invalid characters in a header value: refused by Node before sending
        }
        checkResponse(res, `${r.method} ${r.url} ${JSON.stringify(headers).slice(0, 200)}`);
      }),
      { numRuns: 800, seed: 8 },
    );
  });

  it('random paths: segments, encoded slashes, "..", NUL, very long ids, every method', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 20 }).map(encodeURIComponent),
      fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2f',
        '%2F..%2F',
        '%00',
        '%ff',
        '%',
        '%zz',
        'tasks',
        'api',
        'v1',
        'cancel',
        'files',
        '~',
        ';',
        '*',
        'default',
        'results',
        'inputs',
        '0.png',
        '%E2%80%AE',
      ),
      fc.integer({ min: 100, max: 10_000 }).map((n) => 'a'.repeat(n)),
    );
    const prefix = fc.constantFrom('/api/v1/tasks/', '/api/v1/', '/files/', '/', '/api/v1/services/aigc/', '//');
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');
    await fc.assert(
      fc.asyncProperty(prefix, fc.array(segment, { minLength: 0, maxLength: 5 }), method, fc.boolean(), async (p, segs, m, slash) => {
        const url = p + segs.join('/') + (slash ? '/' : '');
        const res = await s.server.app.inject({ method: m as 'GET', url, headers: auth() });
        if (m === 'HEAD') {
          expect(res.statusCode).toBeLessThan(500);
          return;
        }
        // The web console's own files (docs/console.md) are the only answers that are not JSON
        // (the injected URL is resolved as a browser would: "/.." is "/").
        const path = URL.canParse(`http://fuzz${url}`) ? new URL(`http://fuzz${url}`).pathname : url;
        if (m === 'GET' && res.statusCode === 200 && /^\/(index\.html|favicon\.svg|assets\/[^/]+)?$/.test(path)) {
          expect(res.headers['content-security-policy']).toMatch(/^default-src 'self';/);
          return;
        }
        checkResponse(res, `${m} ${url.slice(0, 200)}`);
      }),
      { numRuns: 1500, seed: 9 },
    );
  });

  it('random list query strings (repeated, unknown, huge, malformed)', async () => {
    const key = fc.constantFrom(
      'page_no',
      'page_size',
      'status',
      'start_time',
      'end_time',
      'model_name',
      'task_id',
      'api_key_id',
      'region',
      '__proto__',
      'constructor',
      'x',
    );
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.integer({ min: -5, max: 2_000_000 }).map(String),
      fc.constantFrom(
        '',
        '0',
        '1',
        '100',
        '101',
        '1e3',
        '0x10',
        'PENDING',
        'RUNNING',
        'SUCCEEDED',
        'pending',
        '20260101000000',
        '20261301000000',
        '99999999999999',
        '2026-01-01',
        '%00',
        'a'.repeat(5000),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 6 }), async (pairs) => {
        const qs = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const res = await s.server.app.inject({ method: 'GET', url: `/api/v1/tasks?${qs}`, headers: auth() });
        checkResponse(res, `list ?${qs.slice(0, 200)}`);
      }),
      { numRuns: 1000, seed: 10 },
    );
  });
});

/** Sends raw bytes on a fresh loopback connection and returns everything the server answers. */
function raw(url: string, request: string | Buffer, waitMs = 1500): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let out = '';
    const done = () => {
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.write(request);
  });
}

describe('fuzz: the HTTP layer (raw sockets)', () => {
  const expectJsonErrors = (out: string, what: string) => {
    const responses = out.split(/(?=HTTP\/1\.1 )/).filter(Boolean);
    expect(responses.length, `${what}: ${out}`).toBeGreaterThan(0);
    for (const r of responses) {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(r)?.[1]);
      expect(status, `${what}: ${r}`).toBeLessThan(500);
      if (status >= 400) {
        expect(r.toLowerCase(), what).toContain('content-type: application/json');
        const body = JSON.parse(r.slice(r.indexOf('\r\n\r\n') + 4));
        expect(Object.keys(body).sort(), what).toEqual(['code', 'message', 'request_id']);
      }
    }
  };
  const head = (extra: string) =>
    `POST ${CREATE_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.key}\r\nX-DashScope-Async: enable\r\nContent-Type: application/json\r\n${extra}`;

  it('Content-Length shorter than the body: the rest is parsed as a next request and refused with JSON', async () => {
    expectJsonErrors(await raw(s.url, `${head('Content-Length: 5\r\n')}\r\n{"model":"retouch-test"}`), 'short CL');
  });

  it('Content-Length longer than the body, then the client gives up: no response needed, the server lives on', async () => {
    const out = await raw(s.url, `${head('Content-Length: 1000\r\n')}\r\n{"model":`, 300);
    expect(out).toBe('');
    expect((await s.server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('malformed framing and headers are refused with a DashScope JSON body', async () => {
    const cases: [string, string][] = [
      ['CL + TE', `${head('Content-Length: 4\r\nTransfer-Encoding: chunked\r\n')}\r\n0\r\n\r\n`],
      ['two CLs', `${head('Content-Length: 4\r\nContent-Length: 5\r\n')}\r\n{}{}`],
      ['negative CL', `${head('Content-Length: -1\r\n')}\r\n`],
      ['non-numeric CL', `${head('Content-Length: abc\r\n')}\r\n`],
      ['bad chunk size', `${head('Transfer-Encoding: chunked\r\n')}\r\nzz\r\n{}\r\n0\r\n\r\n`],
      ['bad request line', 'GET /api/v1/tasks HTTP/9.9 extra\r\n\r\n'],
      ['garbage', '\x00\x01\x02 garbage\r\n\r\n'],
      ['header without colon', 'GET /api/v1/tasks HTTP/1.1\r\nHost x\r\n\r\n'],
      ['NUL in header', 'GET /api/v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x00\r\n\r\n'],
      ['huge header', `GET /api/v1/tasks HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
      ['space in URL', 'GET /api/v1/ta sks HTTP/1.1\r\nHost: x\r\n\r\n'],
    ];
    for (const [what, request] of cases) expectJsonErrors(await raw(s.url, request), what);
  });

  it("an HTTP/1.1 request without Host is refused in the caller's protocol; HTTP/1.0 needs none", async () => {
    const dashscope = await raw(s.url, `GET /api/v1/tasks HTTP/1.1\r\nAuthorization: Bearer ${s.key}\r\n\r\n`);
    expectJsonErrors(dashscope, 'no Host, DashScope path');
    expect(dashscope).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(dashscope.slice(dashscope.indexOf('\r\n\r\n') + 4))).toMatchObject({
      code: 'InvalidParameter',
      message: 'Required header Host is missing.',
    });
    const openAi = await raw(s.url, `POST /v1/images/edits HTTP/1.1\r\nAuthorization: Bearer ${s.key}\r\nContent-Length: 0\r\n\r\n`);
    expect(openAi).toMatch(/^HTTP\/1\.1 400 /);
    expect(openAi.toLowerCase()).toContain('content-type: application/json');
    expect(JSON.parse(openAi.slice(openAi.indexOf('\r\n\r\n') + 4))).toMatchObject({
      error: { message: 'Required header Host is missing.', type: 'invalid_request_error', code: 'invalid_request' },
    });
    // HTTP/1.0 has no Host requirement: the request is served.
    const old = await raw(s.url, `GET /api/v1/tasks HTTP/1.0\r\nAuthorization: Bearer ${s.key}\r\n\r\n`);
    expect(old).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('a chunked body with valid framing is read like any other', async () => {
    const body = '{"model":"nope","input":{"prompt":"x","images":["x"]}}';
    const out = await raw(s.url, `${head('Transfer-Encoding: chunked\r\n')}\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    expect(out).toMatch(/^HTTP\/1\.1 400/);
    expect(out).toContain('Model not exist.');
  });
});
