/**
 * Property: for any IPv4 address in a forbidden range, written in any spelling a URL host may use
 * (decimal, octal, hex, short forms, mixed radices, percent-encoding, full-width digits, trailing
 * dot, IPv4-mapped / SIIT / NAT64 / 6to4 / IPv4-compatible IPv6), safeFetch refuses with
 * InvalidURL and never opens a socket. Same for names whose DNS answer is such an address: the
 * lookup is made, the connection is not.
 *
 * The connect tripwire makes a failure of this property harmless: a socket aimed off loopback is
 * stopped and recorded as a violation instead of connecting.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forbiddenRange } from '../../src/inputs/address-policy.js';
import { safeFetch, type SafeFetchOptions } from '../../src/inputs/safe-fetch.js';
import { fakeDns, installConnectTripwire, rejection, type Tripwire } from './helpers.js';

const FORBIDDEN_MESSAGE = 'The request URL is not allowed: it resolves to a private or reserved address.';

/** [network, prefix] of every IPv4 range the guard must refuse. */
const FORBIDDEN_V4: [number, number][] = (
  [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.88.99.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
    ['255.255.255.255', 32],
  ] as const
).map(([ip, bits]) => [toUint(ip), bits]);

function toUint(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function octets(v: number): [number, number, number, number] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

const forbiddenV4 = fc.tuple(fc.constantFrom(...FORBIDDEN_V4), fc.nat({ max: 0xffffffff })).map(([[net, bits], rnd]) => {
  const hostBits = 32 - bits;
  const mask = hostBits === 32 ? 0xffffffff : 2 ** hostBits - 1;
  return (net + (rnd % (mask + 1))) >>> 0;
});

type Radix = 'dec' | 'oct' | 'hex' | 'HEX';
const radix = fc.constantFrom<Radix>('dec', 'oct', 'hex', 'HEX');

function num(n: number, r: Radix, zeros: number): string {
  switch (r) {
    case 'dec':
      return String(n); // leading zeros would turn it octal
    case 'oct':
      return `0${'0'.repeat(zeros)}${n.toString(8)}`;
    case 'hex':
      return `0x${'0'.repeat(zeros)}${n.toString(16)}`;
    case 'HEX':
      return `0X${'0'.repeat(zeros)}${n.toString(16).toUpperCase()}`;
  }
}

const h16 = (n: number): string => n.toString(16);

/** One spelling of v as a URL host. */
const spelling = (v: number): fc.Arbitrary<string> => {
  const [a, b, c, d] = octets(v);
  const parts = fc.array(fc.tuple(radix, fc.nat({ max: 3 })), { minLength: 4, maxLength: 4 });
  const dotted = `${a}.${b}.${c}.${d}`;
  const hi = (v >>> 16) & 0xffff;
  const lo = v & 0xffff;
  return fc.oneof(
    fc.constant(dotted),
    fc.tuple(radix, fc.nat({ max: 3 })).map(([r, z]) => num(v, r, z)), // 2130706433, 0x7f000001, 017700000001
    parts.map((ps) => [a, b, c, d].map((o, i) => num(o, ps[i]![0], ps[i]![1])).join('.')), // 0177.0.0x0.1
    parts.map((ps) => [num(a, ps[0]![0], 0), num(b, ps[1]![0], 0), num((c << 8) | d, ps[2]![0], ps[2]![1])].join('.')), // 127.0.1
    parts.map((ps) => [num(a, ps[0]![0], 0), num((b << 16) | (c << 8) | d, ps[1]![0], ps[1]![1])].join('.')), // 127.1
    fc.constant(`${dotted}.`),
    fc.nat({ max: dotted.length - 1 }).map((i) => `${dotted.slice(0, i)}%${dotted.charCodeAt(i).toString(16)}${dotted.slice(i + 1)}`),
    fc.constant(dotted.replace(/[0-9]/g, (ch) => String.fromCharCode(0xff10 + Number(ch))).replace(/\./g, '．')),
    fc.constant(`[::ffff:${dotted}]`),
    fc.constant(`[::FFFF:${h16(hi)}:${h16(lo)}]`),
    fc.constant(`[0:0:0:0:0:ffff:${dotted}]`),
    fc.constant(`[::ffff:0:${dotted}]`),
    fc.constant(`[64:ff9b::${dotted}]`),
    fc.nat({ max: 0xffff }).map((sub) => `[2002:${h16(hi)}:${h16(lo)}:${h16(sub)}::1]`),
    fc.constant(`[::${dotted}]`),
  );
};

const url = (host: string): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom('http', 'https', 'HTTP'), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), fc.webPath())
    .map(([scheme, port, path]) => `${scheme}://${host}${port === undefined ? '' : `:${port}`}${path === '' ? '/' : path}`);

const options = (extra: Partial<SafeFetchOptions> = {}): SafeFetchOptions => ({
  allow: ['images.example.com', '*.cdn.example.net', '8.8.8.8/32'],
  maxBytes: 10 * 1024 * 1024,
  connectTimeoutMs: 1000,
  totalTimeoutMs: 2000,
  maxRedirects: 3,
  ...extra,
});

let tripwire: Tripwire;
beforeEach(() => {
  tripwire = installConnectTripwire();
});
afterEach(() => {
  tripwire.uninstall();
  expect(tripwire.violations).toEqual([]);
});

describe('SSRF properties', () => {
  it('every spelling of every forbidden IPv4 address is refused without connecting', async () => {
    const cases = forbiddenV4.chain((v) => spelling(v).chain((host) => url(host).map((u) => ({ v, host, u }))));
    await fc.assert(
      fc.asyncProperty(cases, async ({ u }) => {
        // the spelling is a valid URL host (so the refusal is about the address, not the syntax)
        expect(() => new URL(u)).not.toThrow();
        const e = await rejection(() => safeFetch(u, options()));
        expect(e.code).toBe('InvalidURL');
        expect(e.message).toBe(FORBIDDEN_MESSAGE);
        expect(tripwire.attempts).toEqual([]);
      }),
      { numRuns: 1500 },
    );
  });

  it('a name resolving to any forbidden address (v4, mapped, NAT64, v6 ranges) is refused in the lookup', async () => {
    const forbiddenV6 = fc.oneof(
      fc.constant('::1'),
      fc.constant('::'),
      fc.nat({ max: 0x3ff }).map((n) => `fe80::${h16(n)}`),
      fc.tuple(fc.nat({ max: 0x1ff }), fc.nat({ max: 0xffff })).map(([n, m]) => `${h16(0xfc00 + n)}::${h16(m)}`),
      fc.nat({ max: 0xff }).map((n) => `${h16(0xff00 + n)}::1`),
    );
    const answer = fc.oneof(
      forbiddenV4.map((v) => octets(v).join('.')),
      forbiddenV4.map((v) => `::ffff:${octets(v).join('.')}`),
      forbiddenV4.map((v) => `64:ff9b::${octets(v).join('.')}`),
      forbiddenV6,
    );
    const name = fc.domain().filter((d) => !d.endsWith('.localhost') && d !== 'localhost');
    await fc.assert(
      fc.asyncProperty(name, fc.array(answer, { minLength: 1, maxLength: 3 }), fc.constantFrom('8.8.8.8', undefined), async (host, addrs, pub) => {
        expect(addrs.every((a) => forbiddenRange(a) !== null)).toBe(true);
        const before = tripwire.attempts.length;
        // an answer mixing a public address with forbidden ones is refused as a whole
        const dns = fakeDns({ [host.toLowerCase()]: pub === undefined ? addrs : [pub, ...addrs] });
        const e = await rejection(() => safeFetch(`http://${host}/x.png`, options({ lookup: dns.lookup })));
        expect(e.code).toBe('InvalidURL');
        expect(e.message).toBe(FORBIDDEN_MESSAGE);
        expect(dns.calls).toHaveLength(1);
        // one dial of the name (its lookup refused), nothing else
        expect(tripwire.attempts.slice(before).map((a) => a.host)).toEqual([new URL(`http://${host}/`).hostname]);
      }),
      { numRuns: 300 },
    );
  });

  it('public addresses are not refused by the policy (the property is not vacuous)', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const v = toUint(ip);
        const inForbidden = FORBIDDEN_V4.some(([net, bits]) => bits === 0 || v >>> (32 - bits) === net >>> (32 - bits));
        // AS112 and AMT anycast blocks are refused too (ipaddr.js non-unicast); nothing else is.
        const extra = /^(192\.175\.48|192\.31\.196|192\.52\.193)\./.test(ip);
        expect(forbiddenRange(ip) !== null).toBe(inForbidden || extra);
        expect(forbiddenRange(`::ffff:${ip}`) !== null).toBe(inForbidden || extra);
      }),
      { numRuns: 5000 },
    );
  });
});
