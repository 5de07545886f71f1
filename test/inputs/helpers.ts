/**
 * Loopback-only fixtures for the outbound-fetch (SSRF) tests:
 *  - `startRecordingServer`: an HTTP server that counts every TCP connection, every byte and every
 *    request it receives ("hits");
 *  - `installConnectTripwire`: wraps net.Socket.prototype.connect so that (1) every connection
 *    attempt in this process is recorded, and (2) no attempt can ever leave loopback even if the
 *    guard under test were broken (a non-loopback destination throws instead of connecting).
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { LookupAddress, LookupOptions } from 'node:dns';

export interface Recording {
  connections: number;
  bytes: number;
  requests: string[];
}

export interface RecordingServer {
  host: string;
  port: number;
  /** host:port as it goes in a URL */
  origin: string;
  hits: Recording;
  reset(): void;
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const notFound: Handler = (_req, res) => {
  res.writeHead(404).end('not found');
};

export async function startRecordingServer(host: string, handler: Handler = notFound, port = 0): Promise<RecordingServer> {
  const hits: Recording = { connections: 0, bytes: 0, requests: [] };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    hits.requests.push(req.url ?? '');
    handler(req, res);
  });
  server.on('connection', (socket: net.Socket) => {
    hits.connections++;
    sockets.add(socket);
    socket.on('data', (d: Buffer) => {
      hits.bytes += d.length;
    });
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    host,
    port: addr.port,
    origin: net.isIPv6(host) ? `[${host}]:${addr.port}` : `${host}:${addr.port}`,
    hits,
    reset() {
      hits.connections = 0;
      hits.bytes = 0;
      hits.requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A raw TCP server (for responses Node's http server refuses to produce); counts connections and bytes. */
export async function startRawServer(host: string, onSocket: (socket: net.Socket) => void): Promise<{ port: number; hits: Recording; close(): Promise<void> }> {
  const hits: Recording = { connections: 0, bytes: 0, requests: [] };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    hits.connections++;
    sockets.add(socket);
    socket.on('data', (d: Buffer) => {
      hits.bytes += d.length;
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function isLoopbackLiteral(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./i.test(h) || /^::ffff:7f/i.test(h);
  return false;
}

export interface ConnectAttempt {
  host: string;
  port: number;
}

export interface Tripwire {
  attempts: ConnectAttempt[];
  /** Destinations the tripwire had to block: must stay empty, or the guard let something through. */
  violations: string[];
  uninstall(): void;
}

type ConnectFn = (...args: unknown[]) => net.Socket;
type LookupCb = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type Lookup = (hostname: string, options: LookupOptions, callback: LookupCb) => void;

export function installConnectTripwire(): Tripwire {
  const proto = net.Socket.prototype as unknown as { connect: ConnectFn };
  const original = proto.connect;
  const attempts: ConnectAttempt[] = [];
  const violations: string[] = [];
  proto.connect = function patched(this: net.Socket, ...args: unknown[]): net.Socket {
    const first = args[0];
    const opts = (Array.isArray(first) ? first[0] : first) as { host?: string; port?: number; path?: string; lookup?: Lookup } | number | string;
    if (typeof opts !== 'object' || opts === null || opts.path !== undefined) return original.apply(this, args);
    const host = opts.host ?? 'localhost';
    attempts.push({ host, port: Number(opts.port) });
    if (net.isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
      if (!isLoopbackLiteral(host)) {
        violations.push(host);
        throw new Error(`TEST TRIPWIRE: refused to connect to non-loopback ${host}`);
      }
    } else {
      // A name: whatever its lookup answers must be loopback, or the tripwire refuses it.
      const inner = opts.lookup;
      if (inner === undefined) {
        violations.push(host);
        throw new Error(`TEST TRIPWIRE: name ${host} without a lookup`);
      }
      opts.lookup = (hostname, options, callback) =>
        inner(hostname, options, (err, address, family) => {
          if (err) return callback(err, address, family);
          const list = Array.isArray(address) ? address.map((a) => a.address) : [address];
          const bad = list.find((a) => !isLoopbackLiteral(a));
          if (bad !== undefined) {
            violations.push(bad);
            return callback(Object.assign(new Error(`TEST TRIPWIRE: ${hostname} -> ${bad}`), { code: 'ETRIPWIRE' }), '', 0);
          }
          callback(null, address, family);
        });
    }
    return original.apply(this, args);
  };
  return {
    attempts,
    violations,
    uninstall() {
      proto.connect = original;
    },
  };
}

/** A test DNS: a fixed name → addresses map; unknown names fail with ENOTFOUND. Counts calls. */
export function fakeDns(table: Record<string, string[] | (() => string[])>): { lookup: Lookup; calls: string[] } {
  const calls: string[] = [];
  const lookup: Lookup = (hostname, options, callback) => {
    calls.push(hostname);
    const entry = table[hostname.toLowerCase().replace(/\.$/, '')];
    const addrs = typeof entry === 'function' ? entry() : entry;
    setImmediate(() => {
      if (addrs === undefined || addrs.length === 0) {
        return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      }
      const list = addrs.map((address) => ({ address, family: net.isIP(address) }));
      if (options.all) return callback(null, list);
      const first = list[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
  return { lookup, calls };
}

/** Runs fn, expecting it to reject; returns the rejection. */
export async function rejection(fn: () => Promise<unknown>): Promise<{ status?: number; code?: string; message: string; name?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as { status?: number; code?: string; message: string };
  }
  throw new Error('expected a rejection, got a result');
}
