/**
 * A real webhook receiver for tests: node:http on loopback, recording every request (headers,
 * raw body) and answering as the test says (status, delay, redirect). `stop()` and `start()`
 * take it down and bring it back on the same port, for "receiver down for a while" tests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';

export interface Received {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

export type Answer = { status: number; delayMs?: number; headers?: Record<string, string> };

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  /** Decides the answer for each request (default 200). */
  answer: (request: Received, index: number) => Answer;
  /** Resolves once `predicate` holds for the received list (checked on every request). */
  until(predicate: (received: readonly Received[]) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  let server: http.Server | undefined;
  let boundPort = port;
  const receiver: Receiver = {
    get url() {
      return `http://127.0.0.1:${boundPort}`;
    },
    get port() {
      return boundPort;
    },
    received,
    answer: () => ({ status: 200 }),
    async until(predicate, timeoutMs = 30_000) {
      if (predicate(received)) return;
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: condition not met after ${timeoutMs} ms; got ${received.length} requests`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      const s = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          const r: Received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
          const index = received.length;
          received.push(r);
          const answer = receiver.answer(r, index);
          for (const w of [...waiters]) w();
          if (answer.delayMs) await sleep(answer.delayMs);
          if (res.destroyed) return;
          res.writeHead(answer.status, answer.headers).end('ok');
        });
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(boundPort, '127.0.0.1', () => resolve());
      });
      boundPort = (s.address() as AddressInfo).port;
      server = s;
    },
  };
  await receiver.start();
  return receiver;
}

/** Verifies a received delivery with the `standardwebhooks` library; returns the parsed envelope. */
export function verify(secret: string, r: Received): { type: string; timestamp: string; data: any } {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  }) as { type: string; timestamp: string; data: any };
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached after ${timeoutMs} ms`);
    await sleep(50);
  }
}
