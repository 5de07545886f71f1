/**
 * Which network destinations an outbound fetch may reach.
 *
 * Two questions are answered here, both without any I/O:
 *  - `forbiddenRange(address)`: is this (canonical, already-resolved) IP address in a range that
 *    must never be reached from a service that fetches URLs sent by strangers? Returns the range
 *    name (for logs and tests only, never for responses) or `null` for an ordinary public address.
 *  - `compileAllowList(entries)`: the operator's explicit exceptions (hosts matched on the URL
 *    before DNS, CIDRs matched on the resolved address).
 *
 * The policy is fail-closed: anything that does not parse as an IP address is forbidden.
 */
import net from 'node:net';
import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/**
 * IPv4: everything ipaddr.js does not call `unicast` is refused. With ipaddr.js 2.5 that is
 * 0.0.0.0/8 (unspecified), 10/8, 172.16/12, 192.168/16 (private), 100.64/10 (carrier-grade NAT),
 * 127/8 (loopback), 169.254/16 (link-local), 224/4 (multicast), 255.255.255.255 (broadcast),
 * 192.0.0/24, 192.0.2/24, 192.88.99/24, 198.18/15, 198.51.100/24, 203.0.113/24, 240/4 (reserved,
 * documentation, benchmarking), 192.175.48/24, 192.31.196/24 (AS112) and 192.52.193/24 (AMT).
 */
function ipv4Range(addr: IPv4): string | null {
  const range = addr.range();
  return range === 'unicast' ? null : range;
}

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

function embeddedIPv4(hi: number | undefined, lo: number | undefined): IPv4 {
  const h = hi ?? 0;
  const l = lo ?? 0;
  return new ipaddr.IPv4([h >> 8, h & 0xff, l >> 8, l & 0xff]);
}

/**
 * IPv6: the forms that carry an IPv4 address are judged by that IPv4 address:
 * IPv4-mapped `::ffff:a.b.c.d`, SIIT `::ffff:0:a.b.c.d` (RFC 6145), NAT64 `64:ff9b::a.b.c.d`
 * (RFC 6052) and 6to4 `2002:aabb:ccdd::/48` (RFC 3056). Everything else that ipaddr.js puts in a
 * special range is refused (::, ::1, fe80::/10, fc00::/7, ff00::/8, fec0::/10, 100::/64, Teredo
 * 2001::/32, 2001::/23, 2001:db8::/32, 3fff::/20, ORCHID, local-use NAT64 64:ff9b:1::/48, …), and
 * so is any address outside the global unicast block 2000::/3 (which covers the deprecated
 * IPv4-compatible form `::a.b.c.d` and every unassigned block).
 */
function ipv6Range(addr: IPv6): string | null {
  const range = addr.range();
  const p = addr.parts;
  switch (range) {
    case 'ipv4Mapped':
    case 'rfc6145': {
      const inner = ipv4Range(embeddedIPv4(p[6], p[7]));
      return inner === null ? null : `${range}(${inner})`;
    }
    case 'rfc6052': {
      if (!addr.match(NAT64_WELL_KNOWN)) return 'nat64LocalUse';
      const inner = ipv4Range(embeddedIPv4(p[6], p[7]));
      return inner === null ? null : `nat64(${inner})`;
    }
    case '6to4': {
      const inner = ipv4Range(embeddedIPv4(p[1], p[2]));
      return inner === null ? null : `6to4(${inner})`;
    }
    case 'unicast':
      return addr.match(GLOBAL_UNICAST_V6) ? null : 'reservedV6';
    default:
      return range;
  }
}

/**
 * Parses an IP address as `dns.lookup`, `socket.remoteAddress` or a URL host give it; null if it
 * is not one. IPv4 must be canonical dotted-decimal. IPv6 text is first re-serialised by the
 * WHATWG URL serializer (pure hex groups) because ipaddr.js reads the deprecated IPv4-compatible
 * form `::a.b.c.d` as if it were the IPv4-mapped `::ffff:a.b.c.d` — a different address.
 */
export function parseAddress(address: string): IPv4 | IPv6 | null {
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  try {
    if (net.isIPv4(bare)) return ipaddr.IPv4.isValidFourPartDecimal(bare) ? ipaddr.IPv4.parse(bare) : null;
    if (net.isIPv6(bare)) {
      const hex = normalizeHostname(new URL(`http://[${bare}]/`).hostname);
      return ipaddr.IPv6.parse(hex);
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * The name of the forbidden range `address` lies in, or null if it is an ordinary public address.
 * Only canonical dotted-quad IPv4 and RFC 4291 IPv6 text are accepted (what DNS and sockets
 * return, and what WHATWG URL parsing normalises every numeric host spelling to); anything else
 * is reported as `unparseable`, i.e. forbidden.
 */
export function forbiddenRange(address: string): string | null {
  const addr = parseAddress(address);
  if (addr === null) return 'unparseable';
  return addr.kind() === 'ipv4' ? ipv4Range(addr as IPv4) : ipv6Range(addr as IPv6);
}

export const isForbiddenAddress = (address: string): boolean => forbiddenRange(address) !== null;

/** Lower-cases, strips IPv6 brackets and one trailing dot: the form hosts are compared in. */
export function normalizeHostname(hostname: string): string {
  let h = hostname.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** `localhost` and every name under `.localhost` (RFC 6761 §6.3) are loopback by definition. */
export function isLocalhostName(hostname: string): boolean {
  const h = normalizeHostname(hostname);
  return h === 'localhost' || h.endsWith('.localhost');
}

interface HostRule {
  /** exact host, or the suffix (without the leading "*.") for a wildcard */
  host: string;
  wildcard: boolean;
  /** null: any port */
  port: number | null;
}

export interface AllowList {
  /** True if the URL host (and port) is allow-listed by a host entry; checked before DNS. */
  allowsHost(hostname: string, port: number): boolean;
  /** True if the resolved address lies in an allow-listed CIDR. */
  allowsAddress(address: string): boolean;
  readonly empty: boolean;
}

/** Normalises a host the way the WHATWG URL parser does (IDNA, numeric IPv4 forms, IPv6 compression). */
function canonicalHost(host: string, entry: string): string {
  let parsed: URL;
  try {
    parsed = new URL(`http://${host}/`);
  } catch {
    throw new TypeError(`invalid allow-list entry ${JSON.stringify(entry)}`);
  }
  if (parsed.hostname === '' || parsed.port !== '' || parsed.username !== '' || parsed.pathname !== '/') {
    throw new TypeError(`invalid allow-list entry ${JSON.stringify(entry)}`);
  }
  return normalizeHostname(parsed.hostname);
}

/**
 * Compiles allow-list entries. Accepted forms:
 *  - CIDR: `10.0.0.0/8`, `127.0.0.1/32`, `::1/128` — matched on the resolved/connected address
 *    (an IPv4-mapped IPv6 address also matches the IPv4 CIDRs).
 *  - host: `example.com`, `*.example.com` (any subdomain, not the apex), an IP literal
 *    `127.0.0.1` / `[::1]`, each optionally with `:port` — matched on the URL's host before DNS;
 *    a matching host may then resolve to any address.
 * Throws TypeError on a malformed entry (a configuration error, reported at startup).
 */
export function compileAllowList(entries: readonly string[]): AllowList {
  const cidrs: [IPv4 | IPv6, number][] = [];
  const hosts: HostRule[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry.includes('/')) {
      if (!ipaddr.isValidCIDR(entry)) throw new TypeError(`invalid allow-list CIDR ${JSON.stringify(raw)}`);
      cidrs.push(ipaddr.parseCIDR(entry));
      continue;
    }
    const m = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry) ?? /^([0-9a-fA-F:.]+)$/.exec(entry);
    if (m === null || m[1] === undefined) throw new TypeError(`invalid allow-list entry ${JSON.stringify(raw)}`);
    let hostPart = m[1];
    // A bare IPv6 literal without brackets ("::1") is accepted as a host entry too.
    if (!hostPart.startsWith('[') && net.isIPv6(hostPart)) hostPart = `[${hostPart}]`;
    const port = m[2] === undefined ? null : Number(m[2]);
    if (port !== null && (port < 1 || port > 65535)) throw new TypeError(`invalid allow-list port in ${JSON.stringify(raw)}`);
    const wildcard = hostPart.startsWith('*.');
    const host = canonicalHost(wildcard ? hostPart.slice(2) : hostPart, raw);
    hosts.push({ host, wildcard, port });
  }
  return {
    empty: cidrs.length === 0 && hosts.length === 0,
    allowsHost(hostname, port) {
      const h = normalizeHostname(hostname);
      return hosts.some((r) => (r.port === null || r.port === port) && (r.wildcard ? h.endsWith(`.${r.host}`) : h === r.host));
    },
    allowsAddress(address) {
      if (cidrs.length === 0) return false;
      const addr = parseAddress(address);
      if (addr === null) return false;
      const forms: (IPv4 | IPv6)[] = [addr];
      if (addr.kind() === 'ipv6' && (addr as IPv6).isIPv4MappedAddress()) forms.push((addr as IPv6).toIPv4Address());
      return forms.some((a) => cidrs.some(([net0, bits]) => a.kind() === net0.kind() && a.match(net0, bits)));
    },
  };
}

/** The combined decision for one resolved address. */
export function addressAllowed(address: string, allow: AllowList): boolean {
  return forbiddenRange(address) === null || allow.allowsAddress(address);
}
