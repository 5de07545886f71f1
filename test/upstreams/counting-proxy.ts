/**
 * A loopback HTTP proxy in front of an upstream that records what reaches it: every request to
 * `path` with its form fields, the answer's status, and the most requests it had in flight at
 * once. The engine under test talks to the proxy; the proxy forwards byte for byte.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly fields: Record<string, string>;
  readonly files: { field: string; name: string; type: string; bytes: number }[];
  readonly authorization: string | undefined;
  status?: number;
}

export interface CountingProxy {
  readonly url: string;
  readonly seen: SeenRequest[];
  readonly maxInFlight: () => number;
  reset(): void;
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startCountingProxy(target: string, path = '/v1/images/edits'): Promise<CountingProxy> {
  const upstream = new URL(target);
  let inFlight = 0;
  let max = 0;
  const seen: SeenRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await readAll(req);
    const counted = req.method === 'POST' && req.url?.split('?')[0] === path;
    let entry: SeenRequest | undefined;
    let finished = false;
    // Counted out when the answer is done or the client gave up, whichever comes first.
    res.on('close', () => {
      if (counted && !finished) {
        finished = true;
        inFlight--;
      }
    });
    if (counted) {
      inFlight++;
      max = Math.max(max, inFlight);
      const fields: Record<string, string> = {};
      const files: SeenRequest['files'] = [];
      try {
        const form = await new Response(new Uint8Array(body), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
        for (const [name, value] of form as unknown as Iterable<[string, string | File]>) {
          if (typeof value === 'string') fields[name] = value;
          else files.push({ field: name, name: value.name, type: value.type, bytes: value.size });
        }
      } catch {
        // not multipart: recorded with no fields
      }
      entry = { fields, files, authorization: req.headers.authorization };
      seen.push(entry);
    }
    // A fresh connection per forward (agent: false): a kept-alive one that the upstream closes
    // while idle can be reused at that moment and reset, which the engine under test would see
    // as its upstream failing (seen once in a full-suite run).
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent: false },
      (up) => {
        if (entry) entry.status = up.statusCode;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    res.on('close', () => forward.destroy());
    forward.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    maxInFlight: () => max,
    reset() {
      seen.length = 0;
      max = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
