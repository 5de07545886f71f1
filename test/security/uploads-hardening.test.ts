/**
 * Findings 4 and 5 (uploads) of issue 9: every error of the unauthenticated upload endpoint is
 * a DashScope JSON 4xx and is logged without a stack; getPolicy and the POST are rate-limited;
 * upload bodies count against the body budget of the policy's workspace and the receive
 * deadline. The log check runs the server in its own process (needs the build) at log level info.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, expectError, rawRequest, type JsonResponse } from '../helpers/http.js';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';
import { startSecServer, type SecServer } from './helpers.js';

const MB = 1024 * 1024;
const UPLOAD_PATH = '/api/v1/uploads/oss';

async function policyFor(base: string, key: string) {
  return call(`${base}/api/v1/uploads?action=getPolicy&model=retouch-test`, { key });
}

function formFields(policy: Record<string, any>, name = 'a.png'): Record<string, string> {
  return {
    OSSAccessKeyId: policy.oss_access_key_id,
    Signature: policy.signature,
    policy: policy.policy,
    key: `${policy.upload_dir}/${name}`,
    'x-oss-content-type': 'image/png',
  };
}

function multipart(boundary: string, fields: Record<string, string>, fileHeadOnly = false): Buffer {
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`);
  return Buffer.from(parts.join('') + (fileHeadOnly ? '' : `PNGDATA\r\n--${boundary}--\r\n`));
}

/** Malformed or hostile multipart bodies, each with the Content-Type it is sent with. */
function malformedCases(policy: Record<string, any>): { name: string; type: string; body: Buffer }[] {
  const b = 'XyZbOuNdArY';
  const fields = formFields(policy);
  const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, 'x']));
  return [
    { name: 'no boundary, garbage body', type: 'multipart/form-data', body: randomBytes(2048) },
    { name: 'boundary, garbage body', type: `multipart/form-data; boundary=${b}`, body: randomBytes(2048) },
    { name: 'boundary, empty body', type: `multipart/form-data; boundary=${b}`, body: Buffer.alloc(0) },
    { name: 'other boundary in the body', type: `multipart/form-data; boundary=${b}`, body: multipart('SomethingElse', fields) },
    { name: 'truncated inside part headers', type: `multipart/form-data; boundary=${b}`, body: Buffer.from(`--${b}\r\nContent-Disposition: form-da`) },
    { name: 'file part never ends', type: `multipart/form-data; boundary=${b}`, body: multipart(b, fields, true) },
    { name: '40 fields (over the parts limit)', type: `multipart/form-data; boundary=${b}`, body: multipart(b, many) },
    {
      name: 'file before the policy fields',
      type: `multipart/form-data; boundary=${b}`,
      body: Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nx\r\n--${b}--\r\n`),
    },
    { name: 'forged signature', type: `multipart/form-data; boundary=${b}`, body: multipart(b, { ...fields, Signature: 'AAAA' }) },
    { name: 'boundary of 300 characters', type: `multipart/form-data; boundary=${'b'.repeat(300)}`, body: multipart('b'.repeat(300), fields) },
    { name: 'not multipart, 1 MB of JSON', type: 'application/json', body: Buffer.alloc(MB, 0x20) },
    { name: 'no Content-Type at all', type: '', body: Buffer.from('hello') },
  ];
}

function expectClientError(res: JsonResponse, name: string): void {
  expect(res.status, name).toBeGreaterThanOrEqual(400);
  expect(res.status, name).toBeLessThan(500);
  expectError(res, res.status, /^[A-Za-z.]+$/);
}

describe.skipIf(process.platform !== 'linux')('upload endpoint errors (server in its own process, log level info)', () => {
  let server: ChildServer;
  let dir: string;
  beforeAll(async () => {
    dir = tempDataDir();
    server = await spawnServer(dir, { RETOUCH_LOG_LEVEL: 'info', RETOUCH_RATE_LIMIT_UPLOAD: '0' });
  });
  afterAll(async () => {
    server.child.kill('SIGKILL');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('finding 4: answers every malformed multipart body with a JSON 4xx, and logs no stack and no error', async () => {
    const policy = (await policyFor(server.url, TEST_KEY)).body.data;
    const logBefore = server.output().length;
    for (let round = 0; round < 5; round++) {
      for (const c of malformedCases(policy)) {
        const headers: Record<string, string> = c.type ? { 'Content-Type': c.type } : {};
        const res = await rawRequest(server.url + UPLOAD_PATH, { method: 'POST', headers, body: c.body });
        expectClientError(res, c.name);
      }
    }
    await sleep(200);
    const log = server.output().slice(logBefore);
    expect(log).not.toMatch(/"stack"/);
    expect(log).not.toMatch(/\n\s+at /);
    expect(log).not.toMatch(/"level":(50|60)/);
  });
});

/** An upload on a raw socket: the policy fields and the start of a file of `fileBytes`, held open. */
function openUpload(url: string, policy: Record<string, any>, fileBytes: number): { socket: Socket; answer: Promise<{ status: number; body: any }> } {
  const { hostname, port } = new URL(url);
  const boundary = 'HeldBoundary';
  const head = multipart(boundary, formFields(policy, `${randomBytes(4).toString('hex')}.png`), true);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  socket.write(
    `POST ${UPLOAD_PATH} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
      `Content-Length: ${head.length + fileBytes + tail.length}\r\n\r\n`,
  );
  socket.write(head);
  const answer = new Promise<{ status: number; body: any }>((resolve) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      const split = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, split))?.[1];
      if (split > 0 && length !== undefined && text.length >= split + 4 + Number(length)) {
        resolve({ status: Number(text.slice(9, 12)), body: JSON.parse(text.slice(split + 4, split + 4 + Number(length))) });
      }
    });
  });
  return { socket, answer };
}

describe('upload endpoint limits (in-process server)', () => {
  let s: SecServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('rate-limits getPolicy per workspace (20/s by default) and upload POSTs per client address, before the body', async () => {
    // A frozen clock: the bucket does not refill during the burst, so exactly 20 of 30 pass.
    const frozen = Date.now();
    s = await startSecServer({ RETOUCH_RATE_LIMIT_QUERY: '0' }, { now: () => frozen });
    const policies = await Promise.all(Array.from({ length: 30 }, () => policyFor(s!.url, s!.key)));
    const refused = policies.filter((r) => r.status === 429);
    expect(policies.filter((r) => r.status === 200)).toHaveLength(20);
    expect(refused).toHaveLength(10);
    expectError(refused[0]!, 429, 'Throttling.RateQuota');
    const posts = await Promise.all(
      Array.from({ length: 30 }, () => rawRequest(s!.url + UPLOAD_PATH, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data' }, body: 'x' })),
    );
    expect(posts.filter((r) => r.status === 429)).toHaveLength(10);
    for (const r of posts) expectClientError(r, 'upload POST');
  });

  it('counts upload bodies against the policy workspace’s share of the body budget; other workspaces still upload', async () => {
    s = await startSecServer({ RETOUCH_MAX_INFLIGHT_BODY_MB: '60', RETOUCH_MAX_INFLIGHT_BODY_MB_PER_WORKSPACE: '16', RETOUCH_BODY_MIN_RATE_KB: '0' });
    const other = await s.addKey('ws-other');
    const held = openUpload(s.url, (await policyFor(s.url, s.key)).body.data, 9 * MB);
    held.socket.write(Buffer.alloc(9 * MB - 10, 0x41));
    await sleep(800);
    const more = openUpload(s.url, (await policyFor(s.url, s.key)).body.data, 9 * MB);
    more.socket.write(Buffer.alloc(9 * MB - 10, 0x41));
    const refused = await more.answer;
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('Throttling');
    more.socket.destroy();
    const ok = openUpload(s.url, (await policyFor(s.url, other)).body.data, 1 * MB);
    ok.socket.write(Buffer.alloc(MB, 0x41));
    ok.socket.write('\r\n--HeldBoundary--\r\n');
    expect((await ok.answer).status).toBe(200);
    held.socket.destroy();
    ok.socket.destroy();
  });

  it('cuts off a trickling upload with 408 RequestTimeOut (default minimum rate), long before the 120 s request timeout', async () => {
    s = await startSecServer();
    const trickle = openUpload(s.url, (await policyFor(s.url, s.key)).body.data, 5 * MB);
    const timer = setInterval(() => trickle.socket.write('A'), 300);
    try {
      const answer = await trickle.answer;
      expect(answer.status).toBe(408);
      expect(answer.body.code).toBe('RequestTimeOut');
    } finally {
      clearInterval(timer);
      trickle.socket.destroy();
    }
  });
});
