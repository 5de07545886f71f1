/**
 * One webhook attempt: a POST through the same SSRF guard as input fetching (inputs/safe-fetch.ts:
 * the address is checked at DNS resolution and again on the connected socket, before any byte is
 * written), redirects never followed (a 3xx is a failed attempt), one deadline for the whole
 * attempt (connect, request, response headers). The response body is not read: only the status
 * counts, and a receiver cannot make us buffer anything.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ApiError } from '../errors.js';
import { addressAllowed } from '../inputs/address-policy.js';
import { allowListFor, checkTarget, guardedLookup, openGuardedSocket, Refusal, type Target } from '../inputs/safe-fetch.js';

export const ATTEMPT_RESULTS = ['success', 'http_error', 'redirect', 'timeout', 'network', 'forbidden'] as const;
export type AttemptResult = (typeof ATTEMPT_RESULTS)[number];

export interface SendSettings {
  /** Allow-list entries, as RETOUCH_WEBHOOK_ALLOW (hosts or CIDRs that may be private). */
  readonly allow: readonly string[];
  readonly timeoutMs: number;
  /** TEST-ONLY: replaces dns.lookup; its answers are checked like real ones. */
  readonly lookup?: net.LookupFunction;
}

export interface SendOutcome {
  readonly result: AttemptResult;
  readonly status?: number;
  /** For the delivery log: what went wrong, in words (no internal addresses). */
  readonly error?: string;
  readonly durationMs: number;
}

export const USER_AGENT = 'retouch-webhooks/0.1';

function describe(err: unknown): { result: AttemptResult; error: string } {
  if (err instanceof Refusal && err.kind === 'forbidden') return { result: 'forbidden', error: 'the URL resolves to a private or reserved address' };
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return { result: 'network', error: 'connection refused' };
    case 'ECONNRESET':
      return { result: 'network', error: 'connection reset' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { result: 'network', error: 'the host name could not be resolved' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { result: 'network', error: 'the host is unreachable' };
  }
  if (typeof code === 'string' && /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH)/.test(code)) {
    return { result: 'network', error: 'TLS connection failed' };
  }
  return { result: 'network', error: 'the connection failed' };
}

export function postWebhook(url: string, body: string, headers: Record<string, string>, settings: SendSettings): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const allow = allowListFor(settings.allow);
  let target: Target;
  try {
    target = checkTarget(url, allow);
  } catch (err) {
    const forbidden = err instanceof ApiError && err.cause instanceof Refusal;
    return Promise.resolve({
      result: forbidden ? 'forbidden' : 'network',
      error: forbidden ? 'the URL resolves to a private or reserved address' : 'the URL is not a valid http(s) URL',
      durationMs: elapsed(),
    });
  }
  return new Promise<SendOutcome>((resolve) => {
    let done = false;
    let socket: net.Socket | undefined;
    let req: http.ClientRequest | undefined;
    const finish = (outcome: Omit<SendOutcome, 'durationMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req?.destroy();
      socket?.destroy();
      resolve({ ...outcome, durationMs: elapsed() });
    };
    const timer = setTimeout(() => finish({ result: 'timeout', error: `no response within ${settings.timeoutMs} ms` }), settings.timeoutMs);
    const lookup = guardedLookup(settings.lookup ?? (dns.lookup as net.LookupFunction), target, allow);
    try {
      req = (target.https ? https : http).request({
        method: 'POST',
        protocol: target.url.protocol,
        hostname: target.host,
        port: target.port,
        path: `${target.url.pathname}${target.url.search}`,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': USER_AGENT,
        },
        // A fresh guarded connection per attempt, never a pooled one (see safe-fetch.ts).
        createConnection: (_options, oncreate) => {
          socket = openGuardedSocket(
            {
              host: target.host,
              port: target.port,
              tls: target.https,
              lookup,
              peerAllowed: (peer) => target.hostAllowed || addressAllowed(peer, allow),
              onConnected: () => undefined,
            },
            oncreate,
          );
          return undefined;
        },
      });
    } catch (err) {
      return finish(describe(err));
    }
    req.on('error', (err) => finish(describe(err)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status <= 299) return finish({ result: 'success', status });
      if (status >= 300 && status <= 399) return finish({ result: 'redirect', status, error: `HTTP ${status}: redirects are not followed` });
      return finish({ result: 'http_error', status, error: `HTTP ${status}` });
    });
    req.end(body);
  });
}
