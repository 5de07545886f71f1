import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUrlSigner, loadSigningKeys, rotateSigningKeys } from '../../src/blobs/url-signer.js';

const query = (url: string) => Object.fromEntries(new URL(url).searchParams);

describe('URL signer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signer-'));
  const path = join(dir, 'keys.json');
  const now = 1_700_000_000_000;

  it('verifies its own links until they expire, and nothing altered', () => {
    const signer = createUrlSigner(() => 'http://h', loadSigningKeys(path, now));
    const url = signer.sign('ws/results/t/0.png', now + 60_000);
    expect(signer.verify('ws/results/t/0.png', query(url), now)).toEqual({ ok: true });
    expect(signer.verify('ws/results/t/1.png', query(url), now)).toEqual({ ok: false, reason: 'invalid' });
    expect(signer.verify('ws/results/t/0.png', { ...query(url), Expires: String(now / 1000 + 999) }, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(signer.verify('ws/results/t/0.png', query(url), now + 60_000)).toEqual({ ok: false, reason: 'expired' });
    expect(signer.verify('ws/results/t/0.png', {}, now)).toEqual({ ok: false, reason: 'missing' });
  });

  it('keeps old links valid after a rotation and signs new ones with the new key', () => {
    const before = createUrlSigner(() => 'http://h', loadSigningKeys(path, now));
    const oldUrl = before.sign('k.png', now + 60_000);
    const keys = rotateSigningKeys(path, now + 1000, 48 * 3_600_000);
    expect(keys).toHaveLength(2);
    const after = createUrlSigner(() => 'http://h', loadSigningKeys(path, now + 1000));
    expect(after.verify('k.png', query(oldUrl), now + 2000)).toEqual({ ok: true });
    const newUrl = after.sign('k.png', now + 60_000);
    expect(query(newUrl).OSSAccessKeyId).toBe(keys[1]!.id);
    expect(query(newUrl).OSSAccessKeyId).not.toBe(query(oldUrl).OSSAccessKeyId);
    rmSync(dir, { recursive: true, force: true });
  });
});
