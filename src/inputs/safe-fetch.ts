/**
 * The one door for outbound HTTP(S) fetches (input images now, webhooks later). See
 * docs/security.md, "Outbound fetches (SSRF)", for the guarantees and the tests that prove them.
 *
 * How the address check is made un-bypassable: the connection is opened by our own
 * `createConnection`, never by a shared agent. For a host name, `net.connect` is given a `lookup`
 * that resolves the name and refuses the whole answer if any address is forbidden — the socket
 * then connects to exactly the address that was checked, so DNS rebinding between "check" and
 * "connect" cannot happen (there is only one resolution). An IP-literal host is checked before
 * connecting (net does not call `lookup` for literals). As a last line, the socket's actual
 * `remoteAddress` is checked again on 'connect', before the first byte (HTTP request or TLS
 * ClientHello) is written. Each redirect hop goes through all of this again.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { ApiError, FetchErrors } from '../errors.js';
import { addressAllowed, compileAllowList, forbiddenRange, isLocalhostName, normalizeHostname, type AllowList } from './address-policy.js';

export interface SafeFetchOptions {
  /** Hosts ("example.com", "*.example.com", optionally ":port") or CIDRs ("10.0.0.0/8", "127.0.0.1/32", "::1/128") that may be reached even if private. Empty by default. */
  allow: readonly string[];
  /** Body cap in bytes (10 MB for images). */
  maxBytes: number;
  /** Per hop: from the start of name resolution to an established connection (TLS included). */
  connectTimeoutMs: number;
  /** For the whole fetch: every hop, headers and body. */
  totalTimeoutMs: number;
  /** Redirect hops followed at most (3). */
  maxRedirects: number;
  /**
   * TEST-ONLY: replaces `dns.lookup` (e.g. to map a test name to 127.0.0.1). Its answers go
   * through exactly the same checks as real DNS answers. Never set it in production code.
   */
  lookup?: net.LookupFunction;
}

export interface SafeFetchResult {
  body: Buffer;
  /** The Content-Type header as sent: a hint only, the caller sniffs the bytes. */
  contentType: string | undefined;
  /** The URL of the last hop (after redirects). */
  finalUrl: string;
}

/** Internal marker errors; mapped to ApiError in one place (toApiError). */
export class Refusal extends Error {
  constructor(
    readonly kind: 'forbidden' | 'timeout' | 'tooLarge',
    detail: string,
  ) {
    super(detail);
    this.name = 'SafeFetchRefusal';
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const allowListCache = new WeakMap<readonly string[], AllowList>();
export function allowListFor(entries: readonly string[]): AllowList {
  let compiled = allowListCache.get(entries);
  if (compiled === undefined) {
    compiled = compileAllowList(entries);
    allowListCache.set(entries, compiled);
  }
  return compiled;
}

export type Target = { url: URL; host: string; port: number; https: boolean; hostAllowed: boolean };

/** Scheme, credentials and (for literals and localhost names) address checks, before any I/O. Also used by webhooks/sender.ts. */
export function checkTarget(raw: string | URL, allow: AllowList): Target {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch (cause) {
    throw FetchErrors.invalidUrl(undefined, cause);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw FetchErrors.invalidUrl();
  if (url.username !== '' || url.password !== '') throw FetchErrors.invalidUrl('credentials in the URL are not allowed.');
  const host = normalizeHostname(url.hostname);
  if (host === '') throw FetchErrors.invalidUrl();
  const isHttps = url.protocol === 'https:';
  const port = url.port === '' ? (isHttps ? 443 : 80) : Number(url.port);
  const hostAllowed = allow.allowsHost(host, port);
  if (!hostAllowed) {
    if (isLocalhostName(host)) throw FetchErrors.forbidden(new Refusal('forbidden', `${host} is a localhost name`));
    if (net.isIP(host) !== 0 && !addressAllowed(host, allow)) {
      throw FetchErrors.forbidden(new Refusal('forbidden', `${host}: ${forbiddenRange(host) ?? '?'}`));
    }
  }
  return { url, host, port, https: isHttps, hostAllowed };
}

/** A `lookup` that hands net only addresses the policy allows; one forbidden address fails the whole answer. */
export function guardedLookup(base: net.LookupFunction, target: Target, allow: AllowList): net.LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, result) => {
      if (err) return callback(err, '', 0);
      const list: dns.LookupAddress[] = Array.isArray(result) ? result : [{ address: result, family: net.isIP(result) }];
      if (list.length === 0) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 0);
      if (!target.hostAllowed) {
        const bad = list.find((a) => !addressAllowed(a.address, allow));
        if (bad !== undefined) {
          return callback(new Refusal('forbidden', `${hostname} resolved to ${bad.address}: ${forbiddenRange(bad.address) ?? '?'}`), '', 0);
        }
      }
      if (options.all) return callback(null, list);
      const first = list[0] as dns.LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * Opens the TCP connection with the guarded lookup and re-checks the socket's real peer address
 * on 'connect', before anything is written: our 'connect' listener is registered first, so it
 * runs before http's pending write. For TLS, the TLS socket is only created on top of the raw
 * socket after the peer passed (so no ClientHello ever reaches a refused peer) and is handed over
 * through `oncreate`; for plain http the raw socket is returned and also handed over at once.
 * Returns the raw socket (the caller destroys it on timeout). Exported for the tests only.
 */
export function openGuardedSocket(
  params: {
    host: string;
    port: number;
    tls: boolean;
    lookup: net.LookupFunction;
    /** Decides on the connected peer address; false destroys the socket before any byte is sent. */
    peerAllowed: (address: string) => boolean;
    /** Called once the connection is usable (after the TLS handshake for https). */
    onConnected: () => void;
  },
  oncreate: (err: Error | null, socket: Duplex) => void,
): net.Socket {
  const raw = net.connect({ host: params.host, port: params.port, lookup: params.lookup });
  let handedOver = false;
  raw.on('error', (err) => {
    if (!handedOver) oncreate(err, raw);
  });
  raw.once('connect', () => {
    const peer = raw.remoteAddress ?? '';
    if (!params.peerAllowed(peer)) {
      raw.destroy(new Refusal('forbidden', `connected peer ${peer}: ${forbiddenRange(peer) ?? '?'}`));
      return;
    }
    if (!params.tls) return params.onConnected();
    const secure = tls.connect({
      socket: raw,
      host: params.host,
      servername: net.isIP(params.host) === 0 ? params.host : undefined,
      ALPNProtocols: ['http/1.1'],
    });
    secure.once('secureConnect', params.onConnected);
    handedOver = true;
    oncreate(null, secure);
  });
  if (!params.tls) {
    handedOver = true;
    oncreate(null, raw);
  }
  return raw;
}

type Hop = { kind: 'redirect'; location: string | undefined; status: number } | { kind: 'body'; body: Buffer; contentType: string | undefined };

function fetchHop(target: Target, allow: AllowList, options: SafeFetchOptions, abort: AbortSignal): Promise<Hop> {
  return new Promise<Hop>((resolve, reject) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    let socket: net.Socket | undefined;
    const connectTimer = setTimeout(() => fail(new Refusal('timeout', `connect timeout after ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
    const onAbort = (): void => fail(abort.reason);
    function cleanup(): void {
      clearTimeout(connectTimer);
      abort.removeEventListener('abort', onAbort);
    }
    function fail(err: unknown): void {
      if (settled) return;
      settled = true;
      cleanup();
      req?.destroy();
      socket?.destroy();
      reject(err);
    }
    function done(hop: Hop): void {
      if (settled) return;
      settled = true;
      cleanup();
      // One request per connection: release it now rather than wait for the server to close.
      req?.destroy();
      socket?.destroy();
      resolve(hop);
    }
    if (abort.aborted) return fail(abort.reason);
    abort.addEventListener('abort', onAbort, { once: true });

    const lookup = guardedLookup(options.lookup ?? (dns.lookup as net.LookupFunction), target, allow);
    const requestOptions: http.RequestOptions = {
      method: 'GET',
      protocol: target.url.protocol,
      hostname: target.host,
      port: target.port,
      defaultPort: target.https ? 443 : 80,
      path: `${target.url.pathname}${target.url.search}`,
      headers: { accept: '*/*', 'accept-encoding': 'identity', 'user-agent': 'retouch-fetch/0.1' },
      // No agent: a fresh, guarded connection per hop (no pooled socket from an unchecked path).
      // http calls this once; the socket reaches the request through oncreate (at once for http,
      // after the peer check for https). Returning undefined makes http wait for oncreate.
      createConnection: (_opts, oncreate) => {
        socket = openGuardedSocket(
          {
            host: target.host,
            port: target.port,
            tls: target.https,
            lookup,
            peerAllowed: (peer) => target.hostAllowed || addressAllowed(peer, allow),
            onConnected: () => clearTimeout(connectTimer),
          },
          oncreate,
        );
        return undefined;
      },
    };
    try {
      req = (target.https ? https : http).request(requestOptions);
    } catch (err) {
      return fail(err);
    }
    req.on('error', fail);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.on('error', fail);
      if (REDIRECT_STATUSES.has(status)) {
        const location = res.headers.location;
        res.destroy();
        return done({ kind: 'redirect', location, status });
      }
      if (status < 200 || status > 299) {
        res.destroy();
        return fail(FetchErrors.httpStatus(status));
      }
      const declared = res.headers['content-length'];
      if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > options.maxBytes) {
        return fail(new Refusal('tooLarge', `Content-Length ${declared}`));
      }
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBytes) return fail(new Refusal('tooLarge', `more than ${options.maxBytes} bytes streamed`));
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (!res.complete) return fail(Object.assign(new Error('truncated body'), { code: 'ECONNRESET' }));
        const type = res.headers['content-type'];
        done({ kind: 'body', body: Buffer.concat(chunks, received), contentType: type === undefined || type === '' ? undefined : type });
      });
      res.on('close', () => {
        if (!res.complete) fail(Object.assign(new Error('connection closed before the body was complete'), { code: 'ECONNRESET' }));
      });
    });
    req.end();
  });
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH|ERR_OSSL)/;

/** Maps whatever a hop threw to a public ApiError; internal detail stays in `cause` only. */
function toApiError(err: unknown, userUrl: string, options: SafeFetchOptions): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof Refusal) {
    switch (err.kind) {
      case 'forbidden':
        return FetchErrors.forbidden(err);
      case 'timeout':
        return FetchErrors.timeout(userUrl, err);
      case 'tooLarge':
        return FetchErrors.tooLarge(options.maxBytes);
    }
  }
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return FetchErrors.refused(userUrl, err);
    case 'ETIMEDOUT':
      return FetchErrors.timeout(userUrl, err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
    case 'EAI_NONAME':
      return FetchErrors.invalidUrl('the host name could not be resolved.', err);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return FetchErrors.downloadFailed('the host is unreachable', err);
  }
  if (typeof code === 'string' && TLS_CODES.test(code)) return FetchErrors.downloadFailed('TLS connection failed', err);
  if (typeof code === 'string' && code.startsWith('HPE_')) return FetchErrors.downloadFailed('malformed HTTP response', err);
  return FetchErrors.downloadFailed('the connection failed', err);
}

const TOTAL_TIMEOUT = Symbol('total timeout');

/**
 * Fetches url's body as bytes, or throws ApiError (status 400, DashScope codes `InvalidURL`,
 * `InvalidURL.Timeout`, `InvalidURL.ConnectionRefused`, `InvalidParameter`). If the caller's
 * `signal` aborts, rejects with `signal.reason` instead (the caller knows why it aborted).
 */
export async function safeFetch(url: string, options: SafeFetchOptions, signal?: AbortSignal): Promise<SafeFetchResult> {
  const allow = allowListFor(options.allow);
  const controller = new AbortController();
  const totalTimer = setTimeout(() => controller.abort(TOTAL_TIMEOUT), options.totalTimeoutMs);
  const onCallerAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted) onCallerAbort();
  else signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    let current: string | URL = url;
    for (let redirects = 0; ; redirects++) {
      const target = checkTarget(current, allow);
      let hop: Hop;
      try {
        hop = await fetchHop(target, allow, options, controller.signal);
      } catch (err) {
        if (controller.signal.aborted && controller.signal.reason !== TOTAL_TIMEOUT) throw controller.signal.reason;
        if (err === TOTAL_TIMEOUT) throw FetchErrors.timeout(url, new Error(`total timeout after ${options.totalTimeoutMs} ms`));
        throw toApiError(err, url, options);
      }
      if (hop.kind === 'body') return { body: hop.body, contentType: hop.contentType, finalUrl: target.url.href };
      if (hop.location === undefined || hop.location === '') throw FetchErrors.httpStatus(hop.status);
      if (redirects >= options.maxRedirects) throw FetchErrors.tooManyRedirects(options.maxRedirects);
      try {
        current = new URL(hop.location, target.url);
      } catch (cause) {
        throw FetchErrors.invalidUrl('the redirect location is not a valid URL.', cause);
      }
    }
  } finally {
    clearTimeout(totalTimer);
    signal?.removeEventListener('abort', onCallerAbort);
  }
}
