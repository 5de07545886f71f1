/**
 * Finding 2 of issue 9: body budgets per workspace as well as per process, reserved by bytes
 * actually received, with a receive deadline. Real server (in-process), raw sockets for the
 * slow senders.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createBodyBudget } from '../../src/limits/body-budget.js';
import { CREATE_PATH, createBody, createTask, imageDataUri, testImage } from '../helpers/http.js';
import { startSecServer, type SecServer } from './helpers.js';

const MB = 1024 * 1024;

interface RawAnswer {
  status: number;
  headers: string;
  body: any;
}

/** A request on a raw socket: `head` (its request line and headers), then whatever the test writes. */
function openRaw(url: string, head: string): { socket: Socket; answer: Promise<RawAnswer> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(head);
  socket.on('error', () => undefined);
  const answer = new Promise<RawAnswer>((resolve) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      const split = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, split))?.[1];
      if (split > 0 && length !== undefined && text.length >= split + 4 + Number(length)) {
        resolve({ status: Number(text.slice(9, 12)), headers: text.slice(0, split), body: JSON.parse(text.slice(split + 4, split + 4 + Number(length))) });
      }
    });
  });
  return { socket, answer };
}

/** A create request on a raw socket: headers (declaring `declared` bytes), then whatever the test writes. */
function openSubmission(url: string, key: string, declared: number): { socket: Socket; answer: Promise<RawAnswer> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(
    `POST ${CREATE_PATH} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${key}\r\n` +
      `X-DashScope-Async: enable\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
  );
  socket.on('error', () => undefined);
  const answer = new Promise<RawAnswer>((resolve) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      const split = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, split))?.[1];
      if (split > 0 && length !== undefined && text.length >= split + 4 + Number(length)) {
        resolve({ status: Number(text.slice(9, 12)), headers: text.slice(0, split), body: JSON.parse(text.slice(split + 4, split + 4 + Number(length))) });
      }
    });
  });
  return { socket, answer };
}

describe('BodyBudget (per tenant and per process)', () => {
  it('property: never exceeds either budget; a tenant alone never leaves another less than total − perTenant', () => {
    const total = 100;
    const perTenant = 40;
    fc.assert(
      fc.property(
        fc.array(fc.record({ tenant: fc.constantFrom('a', 'b', 'c'), bytes: fc.integer({ min: 1, max: 30 }), release: fc.boolean() }), { maxLength: 60 }),
        (ops) => {
          const budget = createBodyBudget({ totalBytes: total, perTenantBytes: perTenant });
          const open: { tenant: string; release: () => void }[] = [];
          for (const op of ops) {
            const reservation = budget.open(op.tenant);
            const before = { total: budget.inUse(), tenant: budget.inUse(op.tenant) };
            const ok = reservation.take(op.bytes);
            expect(ok).toBe(before.tenant + op.bytes <= perTenant && before.total + op.bytes <= total);
            expect(budget.inUse()).toBeLessThanOrEqual(total);
            expect(budget.inUse(op.tenant)).toBeLessThanOrEqual(perTenant);
            open.push({ tenant: op.tenant, release: reservation.release });
            if (op.release) open.shift()?.release();
          }
          // Only 'a' holds anything, all it may: 'b' can still take a whole share of its own.
          for (const r of open.splice(0)) r.release();
          expect(budget.inUse()).toBe(0);
          const a = budget.open('a');
          while (a.take(1));
          const b = budget.open('b');
          expect(b.take(Math.min(perTenant, total - perTenant))).toBe(true);
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });
});

describe('body budgets and the receive deadline on a real server', () => {
  let s: SecServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('finding 2: four trickling bodies declaring 42+42+42+2 MB leave another tenant at 200, and are cut off with 408 long before 120 s', async () => {
    s = await startSecServer();
    const other = await s.addKey('ws-other');
    const declared = [42, 42, 42, 2].map((mb) => mb * MB);
    const tricklers = declared.map((bytes) => openSubmission(s!.url, s!.key, bytes));
    const timers = tricklers.map(({ socket }) => {
      socket.write('{"model":"retouch-test",');
      return setInterval(() => socket.write(' '), 500);
    });
    try {
      await sleep(500);
      const res = await createTask(s.url, other, createBody([await imageDataUri(400, 400)], 'sleep=1'));
      expect(res.status).toBe(200);
      const started = Date.now();
      const answers = await Promise.all(tricklers.map((t) => t.answer));
      for (const a of answers) {
        expect(a.status).toBe(408);
        expect(a.body.code).toBe('RequestTimeOut');
        expect(a.headers).toMatch(/connection: close/i);
      }
      console.log(`trickling bodies answered 408 after ${((Date.now() - started) / 1000).toFixed(1)} s more`);
    } finally {
      timers.forEach(clearInterval);
      tricklers.forEach(({ socket }) => socket.destroy());
    }
  });

  it('POST /v1/images/edits reserves the bytes that arrive, not the declared length, and is cut off past its share', async () => {
    s = await startSecServer({ RETOUCH_MAX_INFLIGHT_BODY_MB: '60', RETOUCH_MAX_INFLIGHT_BODY_MB_PER_WORKSPACE: '16', RETOUCH_BODY_MIN_RATE_KB: '0' });
    const { hostname, port } = new URL(s.url);
    const boundary = 'retouch-budget-test';
    // Declares 30 MB (more than the workspace's 16 MB share), sends the start of an image part.
    const held = openRaw(
      s.url,
      `POST /v1/images/edits HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${s.key}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${30 * MB}\r\n\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nplain\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
    );
    held.socket.write(Buffer.alloc(1 * MB, 0x20));
    let answered = false;
    void held.answer.then(() => (answered = true));
    await sleep(500);
    // The same workspace still has its share but for the 1 MB that arrived: an edit goes through.
    const form = new FormData();
    form.append('model', 'retouch-test');
    form.append('prompt', 'plain');
    form.append('image', new Blob([new Uint8Array(await testImage(400, 400))], { type: 'image/png' }), 'b.png');
    const ok = await fetch(`${s.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${s.key}` }, body: form });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: unknown[] }).data).toHaveLength(1);
    expect(answered).toBe(false); // its declared 30 MB were never reserved up front
    // Past the share as the bytes arrive: 429 in the OpenAI shape, connection closed.
    held.socket.write(Buffer.alloc(16 * MB, 0x20));
    const refused = await held.answer;
    expect(refused.status).toBe(429);
    expect(Object.keys(refused.body)).toEqual(['error']);
    expect(refused.body.error.code).toBe('rate_limit_exceeded');
    expect(refused.headers).toMatch(/connection: close/i);
    held.socket.destroy();
  });

  it('a tenant holding its share of bodies gets 429 for more, while other tenants still get 200; the share comes back when its bodies end', async () => {
    s = await startSecServer({ RETOUCH_MAX_INFLIGHT_BODY_MB: '60', RETOUCH_MAX_INFLIGHT_BODY_MB_PER_WORKSPACE: '16', RETOUCH_BODY_MIN_RATE_KB: '0' });
    const other = await s.addKey('ws-other');
    const third = await s.addKey('ws-third');
    const held = openSubmission(s.url, s.key, 12 * MB);
    held.socket.write(Buffer.alloc(10 * MB, 0x20));
    const heldThird = openSubmission(s.url, third, 12 * MB);
    heldThird.socket.write(Buffer.alloc(10 * MB, 0x20));
    await sleep(800);
    // The same workspace: 10 MB held + 10 MB more > 16 MB → 429 while the body arrives.
    const more = openSubmission(s.url, s.key, 12 * MB);
    more.socket.write(Buffer.alloc(10 * MB, 0x20));
    const refused = await more.answer;
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('Throttling');
    more.socket.destroy();
    // Another workspace is not affected by the first one's (or the third one's) bodies.
    const image = await imageDataUri(400, 400);
    expect((await createTask(s.url, other, createBody([image], 'sleep=1'))).status).toBe(200);
    // Once the held body ends, the first workspace has its share again.
    held.socket.destroy();
    await sleep(300);
    expect((await createTask(s.url, s.key, createBody([image], 'sleep=1'))).status).toBe(200);
    heldThird.socket.destroy();
  });
});
