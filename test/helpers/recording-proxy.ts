/**
 * A real HTTP reverse proxy that records every request it forwards: put between a front retouch
 * and its upstream retouch, it lets a test count upstream creates per task, see cancels, and
 * check that the front waited out each 429's Retry-After. The target can change (an upstream
 * restarted on a new port); while it is down, requests fail with 502 like a real gateway's.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  /** When the request arrived / when its response went back (ms). */
  readonly at: number;
  respondedAt: number;
  status: number;
  retryAfter: string | undefined;
  /** The create body's input.prompt and the upstream task id it got (creates only). */
  prompt: string | undefined;
  upstreamTaskId: string | undefined;
  idempotencyKey: string | undefined;
  /** The create body's input.images, as their first 30 characters. */
  images: string[];
}

export interface RecordingProxy {
  readonly url: string;
  readonly log: Recorded[];
  setTarget(url: string | undefined): void;
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string | undefined): Promise<RecordingProxy> {
  let current = target;
  const log: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: Recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        at: Date.now(),
        respondedAt: 0,
        status: 0,
        retryAfter: undefined,
        prompt: undefined,
        upstreamTaskId: undefined,
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        images: [],
      };
      if (entry.method === 'POST' && entry.path.includes('image-synthesis')) {
        try {
          const input = (JSON.parse(body.toString('utf8')) as { input?: { prompt?: string; images?: string[] } }).input;
          entry.prompt = input?.prompt;
          entry.images = (input?.images ?? []).map((i) => i.slice(0, 30));
        } catch {
          entry.prompt = undefined;
        }
      }
      log.push(entry);
      const fail = () => {
        entry.status = 502;
        entry.respondedAt = Date.now();
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"code":"BadGateway","message":"upstream down"}');
      };
      if (!current) return fail();
      const to = new URL(entry.path, current);
      const headers = { ...req.headers, host: to.host };
      const upstream = httpRequest(to, { method: req.method, headers }, (up) => {
        entry.status = up.statusCode ?? 0;
        entry.retryAfter = up.headers['retry-after'];
        res.writeHead(up.statusCode ?? 502, up.headers);
        const reply: Buffer[] = [];
        up.on('data', (c: Buffer) => {
          if (entry.prompt !== undefined) reply.push(c);
          res.write(c);
        });
        up.on('end', () => {
          entry.respondedAt = Date.now();
          if (entry.prompt !== undefined) {
            try {
              entry.upstreamTaskId = (JSON.parse(Buffer.concat(reply).toString('utf8')) as { output?: { task_id?: string } }).output?.task_id;
            } catch {
              entry.upstreamTaskId = undefined;
            }
          }
          res.end();
        });
      });
      upstream.on('error', fail);
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    setTarget: (url) => (current = url),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
