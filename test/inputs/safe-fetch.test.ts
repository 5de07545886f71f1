/**
 * SSRF suite for src/inputs/safe-fetch.ts: real sockets, loopback only.
 *
 * Servers:
 *  - `allowed` (127.0.0.1:A) is allow-listed as the host entry "127.0.0.1:A"; it serves payloads,
 *    redirects, slow and oversize bodies;
 *  - `forbidden` (127.0.0.1:B), `forbidden2` (127.0.0.2:B2) and `forbidden6` ([::1]:B6) are never
 *    allow-listed; every test that aims at them asserts they recorded zero connections.
 * A connect tripwire records every connection attempt of the process and makes it impossible for
 * a broken guard to send traffic anywhere but loopback.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import { openGuardedSocket, safeFetch, type SafeFetchOptions } from '../../src/inputs/safe-fetch.js';
import { fakeDns, installConnectTripwire, rejection, startRawServer, startRecordingServer, type RecordingServer, type Tripwire } from './helpers.js';

const FORBIDDEN_MESSAGE = 'The request URL is not allowed: it resolves to a private or reserved address.';
const MB = 1024 * 1024;
const PAYLOAD = randomBytes(300 * 1024);

let allowed: RecordingServer;
let forbidden: RecordingServer;
let forbidden2: RecordingServer;
let forbidden6: RecordingServer;
let tripwire: Tripwire;
const openResponses = new Set<NodeJS.Timeout>();

function base(extra: Partial<SafeFetchOptions> = {}): SafeFetchOptions {
  return {
    allow: [`127.0.0.1:${allowed.port}`],
    maxBytes: 10 * MB,
    connectTimeoutMs: 2000,
    totalTimeoutMs: 5000,
    maxRedirects: 3,
    ...extra,
  };
}

function forbiddenHits(): number {
  return forbidden.hits.connections + forbidden2.hits.connections + forbidden6.hits.connections;
}

/** No message may carry an internal address that the user did not send. */
function expectNoInternalAddress(message: string, userUrl = ''): void {
  for (const ip of ['127.0.0.1', '127.0.0.2', '::1', '7f00', '0.0.0.0']) {
    if (!userUrl.includes(ip)) expect(message).not.toContain(ip);
  }
  expect(message).not.toMatch(/ECONN|getaddrinfo|at \w+ \(/);
}

beforeAll(async () => {
  allowed = await startRecordingServer('127.0.0.1', (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const p = u.pathname;
    if (p === '/bytes') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': PAYLOAD.length });
      res.end(PAYLOAD);
    } else if (p === '/no-type') {
      res.writeHead(200);
      res.end('abc');
    } else if (p === '/redirect') {
      res.writeHead(Number(u.searchParams.get('status') ?? 302), { location: u.searchParams.get('to') ?? '' });
      res.end();
    } else if (p.startsWith('/chain/')) {
      const n = Number(p.slice('/chain/'.length));
      if (n > 0) res.writeHead(302, { location: `/chain/${n - 1}` }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('end of chain');
    } else if (p === '/sized') {
      // Content-Length present and honest.
      const n = Number(u.searchParams.get('n'));
      res.writeHead(200, { 'content-length': n });
      res.end(Buffer.alloc(n, 7));
    } else if (p === '/chunked') {
      // No Content-Length: chunked transfer, 64 KiB at a time.
      const n = Number(u.searchParams.get('n'));
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = (): void => {
        while (sent < n) {
          const part = chunk.subarray(0, Math.min(chunk.length, n - sent));
          sent += part.length;
          if (!res.write(part)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => {});
      pump();
    } else if (p === '/slow-body') {
      res.writeHead(200, { 'content-type': 'image/png' });
      const t = setInterval(() => res.write('x'), 50);
      openResponses.add(t);
      res.on('close', () => clearInterval(t));
    } else if (p === '/slow-headers') {
      // Never answers.
    } else if (p.startsWith('/status/')) {
      res.writeHead(Number(p.slice('/status/'.length))).end('nope');
    } else {
      res.writeHead(404).end();
    }
  });
  forbidden = await startRecordingServer('127.0.0.1', (_req, res) => res.end('SECRET'));
  forbidden2 = await startRecordingServer('127.0.0.2', (_req, res) => res.end('SECRET'));
  forbidden6 = await startRecordingServer('::1', (_req, res) => res.end('SECRET'));
});

afterAll(async () => {
  for (const t of openResponses) clearInterval(t);
  await Promise.all([allowed.close(), forbidden.close(), forbidden2.close(), forbidden6.close()]);
});

beforeEach(() => {
  allowed.reset();
  forbidden.reset();
  forbidden2.reset();
  forbidden6.reset();
  tripwire = installConnectTripwire();
});

afterEach(() => {
  tripwire.uninstall();
  expect(tripwire.violations).toEqual([]);
});

describe('allowed fetches', () => {
  it('returns the exact bytes and the content type of an allow-listed loopback origin', async () => {
    const r = await safeFetch(`http://${allowed.origin}/bytes`, base());
    expect(r.body.equals(PAYLOAD)).toBe(true);
    expect(r.contentType).toBe('image/png');
    expect(r.finalUrl).toBe(`http://${allowed.origin}/bytes`);
    expect(allowed.hits.requests).toEqual(['/bytes']);
  });

  it('reports a missing content type as undefined', async () => {
    const r = await safeFetch(`http://${allowed.origin}/no-type`, base());
    expect(r.body.toString()).toBe('abc');
    expect(r.contentType).toBeUndefined();
  });

  it('allows a CIDR entry on the resolved address (127.0.0.1/32), in any numeric spelling', async () => {
    const opts = base({ allow: ['127.0.0.1/32'] });
    for (const host of ['127.0.0.1', '127.1', '2130706433', '0x7f000001', '0177.0.0.1']) {
      const r = await safeFetch(`http://${host}:${allowed.port}/bytes`, opts);
      expect(r.body.equals(PAYLOAD)).toBe(true);
    }
    // ...and a name whose (test) DNS answer lies in the CIDR
    const dns = fakeDns({ 'images.test': ['127.0.0.1'] });
    const r = await safeFetch(`http://images.test:${allowed.port}/bytes`, { ...opts, lookup: dns.lookup });
    expect(r.body.equals(PAYLOAD)).toBe(true);
  });

  it('allows a host entry for a name, which may then resolve to a private address', async () => {
    const dns = fakeDns({ 'cdn.internal.test': ['127.0.0.1'] });
    const opts = base({ allow: ['*.internal.test'], lookup: dns.lookup });
    const r = await safeFetch(`http://cdn.internal.test:${allowed.port}/bytes`, opts);
    expect(r.body.equals(PAYLOAD)).toBe(true);
    // the apex is not covered by "*.internal.test"
    const e = await rejection(() =>
      safeFetch(`http://internal.test:${allowed.port}/bytes`, { ...opts, lookup: fakeDns({ 'internal.test': ['127.0.0.1'] }).lookup }),
    );
    expect(e.code).toBe('InvalidURL');
    expect(allowed.hits.requests).toEqual(['/bytes']);
  });

  it('follows up to maxRedirects (3) hops on the allow-listed origin, for 301/302/303/307/308', async () => {
    const r = await safeFetch(`http://${allowed.origin}/chain/3`, base());
    expect(r.body.toString()).toBe('end of chain');
    expect(r.finalUrl).toBe(`http://${allowed.origin}/chain/0`);
    for (const status of [301, 303, 307, 308]) {
      const to = encodeURIComponent('/bytes');
      const r2 = await safeFetch(`http://${allowed.origin}/redirect?status=${status}&to=${to}`, base());
      expect(r2.body.equals(PAYLOAD)).toBe(true);
    }
  });

  it('accepts a body of exactly maxBytes (10 MB), with and without Content-Length', async () => {
    const a = await safeFetch(`http://${allowed.origin}/sized?n=${10 * MB}`, base());
    expect(a.body.length).toBe(10 * MB);
    const b = await safeFetch(`http://${allowed.origin}/chunked?n=${10 * MB}`, base());
    expect(b.body.length).toBe(10 * MB);
  });
});

describe('forbidden destinations: zero hits, InvalidURL, no address in the message', () => {
  // Every spelling of a loopback (or "this host") address a URL may carry, aimed at the forbidden server.
  const literalSpellings = (port: number, port2: number, port6: number): string[] => [
    `http://127.0.0.1:${port}/`,
    `http://127.1:${port}/`,
    `http://2130706433:${port}/`,
    `http://0x7f000001:${port}/`,
    `http://0X7F000001:${port}/`,
    `http://0177.0.0.1:${port}/`,
    `http://0x7f.1:${port}/`,
    `http://0x7f.0.0.1:${port}/`,
    `http://127.0.0.1.:${port}/`,
    `http://%31%32%37.0.0.1:${port}/`,
    `http://１２７.０.０.１:${port}/`,
    `http://0.0.0.0:${port}/`,
    `http://0:${port}/`,
    `http://127.0.0.2:${port2}/`,
    `http://[::1]:${port6}/`,
    `http://[0:0:0:0:0:0:0:1]:${port6}/`,
    `http://[::]:${port6}/`,
    `http://[::ffff:127.0.0.1]:${port}/`,
    `http://[::ffff:7f00:1]:${port}/`,
    `http://[0:0:0:0:0:ffff:127.0.0.1]:${port}/`,
    `http://[::127.0.0.1]:${port}/`,
    `http://[::ffff:0:127.0.0.1]:${port}/`,
    `http://[64:ff9b::127.0.0.1]:${port}/`,
    `http://[2002:7f00:1::1]:${port}/`,
    `https://127.0.0.1:${port}/`,
    `https://[::1]:${port6}/`,
    `http://user:pass@127.0.0.1:${port}/`,
  ];

  it('refuses every numeric spelling of loopback/unspecified without opening a socket', async () => {
    for (const url of literalSpellings(forbidden.port, forbidden2.port, forbidden6.port)) {
      const e = await rejection(() => safeFetch(url, base()));
      expect(e, url).toBeInstanceOf(ApiError);
      expect(e.status, url).toBe(400);
      expect(e.code, url).toBe('InvalidURL');
      expectNoInternalAddress(e.message);
    }
    expect(tripwire.attempts).toEqual([]);
    expect(forbiddenHits()).toBe(0);
  });

  it('refuses localhost names by name, before DNS', async () => {
    for (const host of ['localhost', 'LOCALHOST.', 'LocalHost', 'sub.localhost', 'ⓛocalhost']) {
      const e = await rejection(() => safeFetch(`http://${host}:${forbidden.port}/`, base()));
      expect(e.code, host).toBe('InvalidURL');
      expect(e.message).toBe(FORBIDDEN_MESSAGE);
    }
    expect(tripwire.attempts).toEqual([]);
    expect(forbiddenHits()).toBe(0);
  });

  it('refuses names that resolve to loopback (v4, v6, mapped), checking the answer inside the connect', async () => {
    const dns = fakeDns({
      'evil.test': ['127.0.0.1'],
      'evil6.test': ['::1'],
      'mapped.test': ['::ffff:127.0.0.1'],
      'zero.test': ['0.0.0.0'],
      'second.test': ['127.0.0.2'],
    });
    const cases: [string, number][] = [
      ['evil.test', forbidden.port],
      ['evil6.test', forbidden6.port],
      ['mapped.test', forbidden.port],
      ['zero.test', forbidden.port],
      ['second.test', forbidden2.port],
    ];
    for (const [host, port] of cases) {
      const url = `http://${host}:${port}/latest/meta-data`;
      const e = await rejection(() => safeFetch(url, base({ lookup: dns.lookup })));
      expect(e.code, host).toBe('InvalidURL');
      expect(e.message).toBe(FORBIDDEN_MESSAGE);
      expectNoInternalAddress(e.message);
    }
    // the names went through net.connect's lookup (the check runs at connect time)...
    expect(dns.calls).toEqual(cases.map(([h]) => h));
    // ...and nothing connected
    expect(forbiddenHits()).toBe(0);
  });

  it('refuses the whole answer when any resolved address is forbidden', async () => {
    const dns = fakeDns({ 'mixed.test': ['127.0.0.1', '127.0.0.2'] });
    // 127.0.0.1 is allowed by CIDR, 127.0.0.2 is not: the name is refused, not partially used.
    const e = await rejection(() => safeFetch(`http://mixed.test:${forbidden.port}/`, base({ allow: ['127.0.0.1/32'], lookup: dns.lookup })));
    expect(e.code).toBe('InvalidURL');
    expect(forbiddenHits()).toBe(0);
  });

  it('resolves once per hop, so a rebinding DNS answer cannot swap the address after the check', async () => {
    // Same port on 127.0.0.1 (allowed by CIDR) and 127.0.0.2 (forbidden). The fake DNS answers
    // 127.0.0.1 on odd calls and 127.0.0.2 on even calls: a check-then-connect implementation that
    // resolves twice would connect to 127.0.0.2.
    // Find a port free on both 127.0.0.1 and 127.0.0.2.
    let good: RecordingServer | undefined;
    let twin: RecordingServer | undefined;
    for (let i = 0; i < 10 && twin === undefined; i++) {
      good = await startRecordingServer('127.0.0.1', (_req, res) => res.end('good'));
      twin = await startRecordingServer('127.0.0.2', (_req, res) => res.end('SECRET'), good.port).catch(() => undefined);
      if (twin === undefined) await good.close();
    }
    if (good === undefined || twin === undefined) throw new Error('no port free on both 127.0.0.1 and 127.0.0.2');
    try {
      let n = 0;
      const dns = fakeDns({ 'rebind.test': () => (n++ % 2 === 0 ? ['127.0.0.1'] : ['127.0.0.2']) });
      for (let i = 0; i < 4; i++) {
        n = 0;
        const r = await safeFetch(`http://rebind.test:${good.port}/`, base({ allow: ['127.0.0.1/32'], lookup: dns.lookup }));
        expect(r.body.toString()).toBe('good');
      }
      expect(dns.calls.length).toBe(4);
      expect(twin.hits.connections).toBe(0);
      expect(good.hits.connections).toBe(4);
    } finally {
      await Promise.all([twin.close(), good.close()]);
    }
  });

  it('refuses a redirect from the allow-listed origin to any forbidden target (zero hits there)', async () => {
    const dns = fakeDns({ 'evil.test': ['127.0.0.1'] });
    const targets = [
      `http://127.0.0.1:${forbidden.port}/`, // same host, other port: host entry has a port
      `http://127.0.0.2:${forbidden2.port}/`,
      `http://localhost:${forbidden.port}/`,
      `http://[::1]:${forbidden6.port}/`,
      `http://2130706433:${forbidden.port}/`,
      `http://evil.test:${forbidden.port}/`,
      `//127.0.0.2:${forbidden2.port}/`,
      `http://169.254.169.254/latest/meta-data/`,
      `http://10.0.0.1/`,
      `http://[fd00::1]/`,
    ];
    for (const to of targets) {
      for (const status of [301, 302, 307]) {
        const url = `http://${allowed.origin}/redirect?status=${status}&to=${encodeURIComponent(to)}`;
        const e = await rejection(() => safeFetch(url, base({ lookup: dns.lookup })));
        expect(e.code, to).toBe('InvalidURL');
        expect(e.message, to).toBe(FORBIDDEN_MESSAGE);
      }
    }
    expect(forbiddenHits()).toBe(0);
    expect(allowed.hits.requests.length).toBe(targets.length * 3);
    // only the allowed origin and the name (refused in its lookup) were ever dialled
    expect(new Set(tripwire.attempts.map((a) => a.host))).toEqual(new Set(['127.0.0.1', 'evil.test']));
  });

  it('refuses a redirect to a non-http scheme or to a URL with credentials', async () => {
    for (const to of ['file:///etc/passwd', 'ftp://127.0.0.1/', 'gopher://127.0.0.1:6379/_INFO', 'data:text/plain,hi', `http://u:p@${allowed.origin}/bytes`]) {
      const e = await rejection(() => safeFetch(`http://${allowed.origin}/redirect?to=${encodeURIComponent(to)}`, base()));
      expect(e.code, to).toBe('InvalidURL');
    }
    expect(allowed.hits.requests.every((r) => r.startsWith('/redirect'))).toBe(true);
  });

  it('refuses more than maxRedirects hops with InvalidURL', async () => {
    const e = await rejection(() => safeFetch(`http://${allowed.origin}/chain/4`, base()));
    expect(e.code).toBe('InvalidURL');
    expect(e.message).toContain('more than 3 redirects');
    expect(allowed.hits.requests).toEqual(['/chain/4', '/chain/3', '/chain/2', '/chain/1']);
    const e0 = await rejection(() => safeFetch(`http://${allowed.origin}/chain/1`, base({ maxRedirects: 0 })));
    expect(e0.code).toBe('InvalidURL');
  });

  it('treats a redirect without Location as a failed download', async () => {
    const e = await rejection(() => safeFetch(`http://${allowed.origin}/redirect?status=302`, base()));
    expect(e.code).toBe('InvalidParameter');
    expect(e.message).toContain('302');
  });
});

describe('schemes and URL shape', () => {
  it('accepts only http and https', async () => {
    const urls = [
      'file:///etc/passwd',
      `ftp://${allowed.origin}/`,
      'data:image/png;base64,iVBORw0KGgo=',
      `gopher://${allowed.origin}/_GET%20/`,
      'javascript:alert(1)',
      `ws://${allowed.origin}/`,
      'blob:http://x/y',
      `//${allowed.origin}/bytes`,
      'not a url',
      '',
      'http://',
      'http://[::1/',
    ];
    for (const url of urls) {
      const e = await rejection(() => safeFetch(url, base()));
      expect(e.code, url).toBe('InvalidURL');
      expect(e.message).toBe('Invalid URL provided in your request.');
    }
    expect(tripwire.attempts).toEqual([]);
    expect(allowed.hits.connections).toBe(0);
  });

  it('refuses credentials in the URL, even for an allow-listed origin', async () => {
    for (const url of [`http://user:pass@${allowed.origin}/bytes`, `http://user@${allowed.origin}/bytes`, `http://:pw@${allowed.origin}/bytes`]) {
      const e = await rejection(() => safeFetch(url, base()));
      expect(e.code).toBe('InvalidURL');
      expect(e.message).not.toContain('pass');
    }
    expect(allowed.hits.connections).toBe(0);
  });
});

describe('size cap', () => {
  it('refuses early on a Content-Length above the cap', async () => {
    const e = await rejection(() => safeFetch(`http://${allowed.origin}/sized?n=${10 * MB + 1}`, base()));
    expect(e.code).toBe('InvalidParameter');
    expect(e.message).toBe('The downloaded file exceeds the size limit of 10 MB.');
  });

  it('refuses on the declared Content-Length alone, without waiting for the body', async () => {
    const raw = await startRawServer('127.0.0.1', (socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1073741824\r\n\r\nabc')); // then stalls
    });
    try {
      const t0 = Date.now();
      const e = await rejection(() => safeFetch(`http://127.0.0.1:${raw.port}/`, base({ allow: [`127.0.0.1:${raw.port}`], totalTimeoutMs: 3000 })));
      expect(e.code).toBe('InvalidParameter');
      expect(e.message).toContain('10 MB');
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      await raw.close();
    }
  });

  it('aborts a chunked body (no Content-Length) past the cap', async () => {
    const e = await rejection(() => safeFetch(`http://${allowed.origin}/chunked?n=${10 * MB + 1}`, base()));
    expect(e.code).toBe('InvalidParameter');
    expect(e.message).toContain('10 MB');
    const small = await rejection(() => safeFetch(`http://${allowed.origin}/chunked?n=5000`, base({ maxBytes: 4096 })));
    expect(small.message).toBe('The downloaded file exceeds the size limit of 4096 bytes.');
  });

  it('aborts a close-delimited body (HTTP/1.0 style, no length at all) past the cap, and stops reading', async () => {
    let written = 0;
    const raw = await startRawServer('127.0.0.1', (socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: image/png\r\nconnection: close\r\n\r\n');
        const chunk = Buffer.alloc(64 * 1024, 2);
        const pump = (): void => {
          while (!socket.destroyed && written < 100 * MB) {
            written += chunk.length;
            if (!socket.write(chunk)) return void socket.once('drain', pump);
          }
          socket.end();
        };
        pump();
      });
    });
    try {
      const e = await rejection(() => safeFetch(`http://127.0.0.1:${raw.port}/`, base({ allow: [`127.0.0.1:${raw.port}`], maxBytes: MB })));
      expect(e.code).toBe('InvalidParameter');
      expect(e.message).toContain('1 MB');
      await new Promise((r) => setTimeout(r, 100));
      expect(written).toBeLessThan(20 * MB); // the client hung up; the server could not push 100 MB
    } finally {
      await raw.close();
    }
  });
});

describe('timeouts, refused connections and HTTP errors', () => {
  it('gives InvalidURL.Timeout for a body that trickles past the total timeout, echoing only the sent URL', async () => {
    const dns = fakeDns({ 'slow.test': ['127.0.0.1'] });
    const url = `http://slow.test:${allowed.port}/slow-body`;
    const t0 = Date.now();
    const e = await rejection(() => safeFetch(url, base({ allow: ['slow.test'], lookup: dns.lookup, totalTimeoutMs: 600 })));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(e.code).toBe('InvalidURL.Timeout');
    expect(e.message).toBe(`Download ${url} timeout, please check network connection.`);
    expectNoInternalAddress(e.message, url);
  });

  it('gives InvalidURL.Timeout when headers never come', async () => {
    const url = `http://${allowed.origin}/slow-headers`;
    const e = await rejection(() => safeFetch(url, base({ totalTimeoutMs: 500 })));
    expect(e.code).toBe('InvalidURL.Timeout');
    expect(e.message).toContain(url);
  });

  it('applies the total timeout across redirect hops and echoes the original URL, not the hop', async () => {
    const url = `http://${allowed.origin}/redirect?to=${encodeURIComponent('/slow-headers')}`;
    const e = await rejection(() => safeFetch(url, base({ totalTimeoutMs: 500 })));
    expect(e.code).toBe('InvalidURL.Timeout');
    expect(e.message).toContain(url.slice(0, 40));
    expect(e.message).not.toContain('/slow-headers');
  });

  it('gives InvalidURL.Timeout on a connect timeout (a resolver that never answers)', async () => {
    const hang = (): void => {};
    const t0 = Date.now();
    const e = await rejection(() => safeFetch('http://hang.test/x', base({ allow: ['hang.test'], lookup: hang, connectTimeoutMs: 200, totalTimeoutMs: 5000 })));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(e.code).toBe('InvalidURL.Timeout');
    expect(e.message).toBe('Download http://hang.test/x timeout, please check network connection.');
  });

  it('truncates a long URL in the message', async () => {
    const url = `http://${allowed.origin}/slow-headers?${'a'.repeat(5000)}`;
    const e = await rejection(() => safeFetch(url, base({ totalTimeoutMs: 300 })));
    expect(e.code).toBe('InvalidURL.Timeout');
    expect(e.message.length).toBeLessThan(300);
  });

  it('gives InvalidURL.ConnectionRefused for a closed port, without the resolved address', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const dns = fakeDns({ 'closed.test': ['127.0.0.1'] });
    const url = `http://closed.test:${port}/img.png`;
    const e = await rejection(() => safeFetch(url, base({ allow: [`closed.test:${port}`], lookup: dns.lookup })));
    expect(e.code).toBe('InvalidURL.ConnectionRefused');
    expect(e.message).toBe(`Connection to ${url} refused, please provide available URL.`);
    expectNoInternalAddress(e.message, url);
  });

  it('gives InvalidURL for a name that does not resolve', async () => {
    const e = await rejection(() => safeFetch('http://nowhere.test/x', base({ lookup: fakeDns({}).lookup })));
    expect(e.code).toBe('InvalidURL');
    expect(e.message).not.toContain('ENOTFOUND');
  });

  it('gives InvalidParameter with the status code for non-2xx answers', async () => {
    for (const status of [400, 403, 404, 500, 503]) {
      const e = await rejection(() => safeFetch(`http://${allowed.origin}/status/${status}`, base()));
      expect(e.code).toBe('InvalidParameter');
      expect(e.message).toBe(`download image failed: the server answered with HTTP status ${status}.`);
    }
  });

  it('gives InvalidParameter for a connection dropped mid-body', async () => {
    const raw = await startRawServer('127.0.0.1', (socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nonly a bit');
        setTimeout(() => socket.destroy(), 20);
      });
    });
    try {
      const e = await rejection(() => safeFetch(`http://127.0.0.1:${raw.port}/`, base({ allow: [`127.0.0.1:${raw.port}`] })));
      expect(e.code).toBe('InvalidParameter');
      expectNoInternalAddress(e.message);
    } finally {
      await raw.close();
    }
  });

  it("rejects with the caller's abort reason when the caller aborts", async () => {
    const ctl = new AbortController();
    const p = safeFetch(`http://${allowed.origin}/slow-headers`, base(), ctl.signal);
    setTimeout(() => ctl.abort(new Error('task canceled')), 50);
    const e = await rejection(() => p);
    expect(e.message).toBe('task canceled');
  });
});

describe('connect-time backstop and TLS', () => {
  it('destroys a socket whose real peer address is forbidden before writing a byte (http and TLS)', async () => {
    for (const useTls of [false, true]) {
      forbidden.reset();
      let handed: Duplex | undefined;
      const failed = new Promise<Error>((resolve) => {
        const raw = openGuardedSocket(
          {
            host: '127.0.0.1', // a literal: net does not call lookup, so only the backstop stands
            port: forbidden.port,
            tls: useTls,
            lookup: () => {
              throw new Error('not called for literals');
            },
            peerAllowed: () => false,
            onConnected: () => {},
          },
          (err, socket) => {
            if (err) return resolve(err);
            handed = socket;
            // what http would do: queue the request before the connection is up
            socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
            socket.once('error', resolve);
          },
        );
        expect(raw).toBeInstanceOf(net.Socket);
      });
      const err = await failed;
      expect(err.name).toBe('SafeFetchRefusal');
      expect(handed !== undefined).toBe(!useTls); // a TLS socket is never even created
      await new Promise((r) => setTimeout(r, 50));
      expect(forbidden.hits.connections).toBe(1); // the TCP handshake happened (literal, no lookup)...
      expect(forbidden.hits.bytes).toBe(0); // ...but not one byte was sent
      expect(forbidden.hits.requests).toEqual([]);
    }
  });

  // Needs the openssl command to make a self-signed certificate (.ci/run installs it).
  it('verifies TLS certificates (self-signed → InvalidParameter, no address in the message)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'safe-fetch-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=tls.test',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) =>
        res.end('tls body'),
      );
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as AddressInfo).port;
      try {
        const dns = fakeDns({ 'tls.test': ['127.0.0.1'] });
        const url = `https://tls.test:${port}/img`;
        const e = await rejection(() => safeFetch(url, base({ allow: ['tls.test'], lookup: dns.lookup })));
        expect(e.code).toBe('InvalidParameter');
        expect(e.message).toBe('download image failed: TLS connection failed.');
        expectNoInternalAddress(e.message, url);
        // and https to a forbidden name is refused before any handshake
        const e2 = await rejection(() => safeFetch(url, base({ lookup: dns.lookup })));
        expect(e2.message).toBe(FORBIDDEN_MESSAGE);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
