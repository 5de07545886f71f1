import { describe, expect, it } from 'vitest';
import { addressAllowed, compileAllowList, forbiddenRange, isLocalhostName, normalizeHostname } from '../../src/inputs/address-policy.js';

describe('forbiddenRange', () => {
  const forbidden: [string, string][] = [
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'linkLocal'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['febf::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['::ffff:127.0.0.1', 'ipv4Mapped(loopback)'],
    ['::ffff:10.1.2.3', 'ipv4Mapped(private)'],
    ['::ffff:169.254.169.254', 'ipv4Mapped(linkLocal)'],
    ['::ffff:0:127.0.0.1', 'rfc6145(loopback)'],
    ['64:ff9b::127.0.0.1', 'nat64(loopback)'],
    ['64:ff9b::a9fe:a9fe', 'nat64(linkLocal)'],
    ['64:ff9b:1::1', 'nat64LocalUse'],
    ['2002:7f00:1::1', '6to4(loopback)'],
    ['2002:c0a8:101::', '6to4(private)'],
    ['::127.0.0.1', 'reservedV6'], // IPv4-compatible (deprecated)
    ['::8.8.8.8', 'reservedV6'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'teredo'],
    ['100::1', 'discard'],
    ['4000::1', 'reservedV6'],
    ['not-an-ip', 'unparseable'],
    ['127.1', 'unparseable'], // non-canonical text never reaches the policy; if it did: refused
    ['0x7f000001', 'unparseable'],
    ['', 'unparseable'],
  ];
  it.each(forbidden)('%s is forbidden (%s)', (address, range) => {
    expect(forbiddenRange(address)).toBe(range);
  });

  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:81c::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ];
  it.each(allowed)('%s is an ordinary public address', (address) => {
    expect(forbiddenRange(address)).toBeNull();
  });
});

describe('host names', () => {
  it('normalises case, brackets and one trailing dot', () => {
    expect(normalizeHostname('LOCALHOST.')).toBe('localhost');
    expect(normalizeHostname('[::1]')).toBe('::1');
  });
  it('knows localhost names', () => {
    for (const h of ['localhost', 'LOCALHOST.', 'a.b.localhost', 'x.localhost.']) expect(isLocalhostName(h), h).toBe(true);
    for (const h of ['localhost.example.com', 'notlocalhost', 'example.com']) expect(isLocalhostName(h), h).toBe(false);
  });
});

describe('allow-list', () => {
  it('matches host entries before DNS, with optional port and wildcard', () => {
    const a = compileAllowList(['images.example.com', '*.cdn.test', '127.0.0.1:8080', '[::1]:9000', 'EXAMPLE.org.']);
    expect(a.allowsHost('images.example.com', 443)).toBe(true);
    expect(a.allowsHost('IMAGES.example.com.', 80)).toBe(true);
    expect(a.allowsHost('evil-images.example.com', 80)).toBe(false);
    expect(a.allowsHost('a.cdn.test', 80)).toBe(true);
    expect(a.allowsHost('a.b.cdn.test', 80)).toBe(true);
    expect(a.allowsHost('cdn.test', 80)).toBe(false);
    expect(a.allowsHost('evilcdn.test', 80)).toBe(false);
    expect(a.allowsHost('127.0.0.1', 8080)).toBe(true);
    expect(a.allowsHost('127.0.0.1', 8081)).toBe(false);
    expect(a.allowsHost('[::1]', 9000)).toBe(true);
    expect(a.allowsHost('::1', 9001)).toBe(false);
    expect(a.allowsHost('example.org', 80)).toBe(true);
    expect(a.allowsAddress('127.0.0.1')).toBe(false); // host entries never match resolved addresses
  });

  it('normalises numeric spellings in host entries like the URL parser', () => {
    const a = compileAllowList(['127.1:80', '0x0a.1']);
    expect(a.allowsHost('127.0.0.1', 80)).toBe(true);
    expect(a.allowsHost('10.0.0.1', 1234)).toBe(true);
  });

  it('matches CIDR entries on resolved addresses, including IPv4-mapped forms', () => {
    const a = compileAllowList(['10.0.0.0/8', '127.0.0.1/32', '::1/128', 'fd00::/8']);
    expect(a.allowsAddress('10.9.8.7')).toBe(true);
    expect(a.allowsAddress('11.0.0.1')).toBe(false);
    expect(a.allowsAddress('127.0.0.1')).toBe(true);
    expect(a.allowsAddress('127.0.0.2')).toBe(false);
    expect(a.allowsAddress('::ffff:127.0.0.1')).toBe(true);
    expect(a.allowsAddress('::1')).toBe(true);
    expect(a.allowsAddress('fd12::1')).toBe(true);
    expect(a.allowsAddress('fe80::1')).toBe(false);
    expect(a.allowsHost('10.0.0.1', 80)).toBe(false); // CIDRs never match before DNS
    expect(addressAllowed('10.1.1.1', a)).toBe(true);
    expect(addressAllowed('192.168.0.1', a)).toBe(false);
    expect(addressAllowed('8.8.8.8', a)).toBe(true);
  });

  it('empty by default: nothing private is allowed', () => {
    const a = compileAllowList([]);
    expect(a.empty).toBe(true);
    expect(addressAllowed('127.0.0.1', a)).toBe(false);
    expect(addressAllowed('8.8.8.8', a)).toBe(true);
  });

  it('rejects malformed entries', () => {
    for (const bad of ['10.0.0.0/33', 'not a host', 'host:99999', 'a/b', 'http://x', 'user@host', '[::1']) {
      expect(() => compileAllowList([bad]), bad).toThrow(TypeError);
    }
  });
});
