/**
 * The KeyStore conformance suite: the key rules over each KeyRepository adapter, run on SQLite
 * and PostgreSQL (state.sqlite.test.ts, state.postgres.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyStore } from '../../src/auth/key-store.js';
import type { StateHarness } from './harness.js';

const T0 = 1_750_000_000_000;

export function describeKeyStoreContract(name: string, harness: StateHarness): void {
  describe(`KeyStore contract: ${name}`, () => {
    let keys: KeyStore;
    beforeEach(async () => {
      keys = (await harness.open()).keys;
    });
    afterEach(() => harness.cleanup());

    it('creates a random key, shown once, that authenticates to its workspace', async () => {
      const { secret, info } = await keys.create({ workspaceId: 'ws-a', name: 'ci', now: T0 });
      expect(secret).toMatch(/^sk-[0-9a-f]{48}$/);
      expect(info).toMatchObject({ workspaceId: 'ws-a', name: 'ci', createdAt: T0, revokedAt: undefined });
      expect(info.hint).toBe(`${secret.slice(0, 5)}…${secret.slice(-4)}`);
      expect(await keys.authenticate(secret)).toEqual(info);
      expect(await keys.authenticate(`${secret}x`)).toBeUndefined();
      expect(JSON.stringify(await keys.list())).not.toContain(secret);
    });

    it('keeps one row when the same secret is configured again', async () => {
      const first = await keys.create({ workspaceId: 'default', secret: 'sk-configured-0001', now: T0 });
      const again = await keys.create({ workspaceId: 'default', secret: 'sk-configured-0001', now: T0 + 5 });
      expect(again.info).toEqual(first.info);
      expect(await keys.list()).toHaveLength(1);
    });

    it('lists in creation order and revokes once', async () => {
      const a = await keys.create({ workspaceId: 'ws-a', now: T0 });
      const b = await keys.create({ workspaceId: 'ws-b', now: T0 + 1 });
      expect((await keys.list()).map((k) => k.id)).toEqual([a.info.id, b.info.id]);
      expect(await keys.revoke(a.info.id, T0 + 2)).toBe(true);
      expect(await keys.revoke(a.info.id, T0 + 3)).toBe(false);
      expect(await keys.revoke('key-none', T0)).toBe(false);
      expect(await keys.authenticate(a.secret)).toBeUndefined();
      expect(await keys.authenticate(b.secret)).toMatchObject({ workspaceId: 'ws-b' });
      expect((await keys.list())[0]).toMatchObject({ id: a.info.id, revokedAt: T0 + 2 });
    });

    it('stores the admin flag; a secret configured again as admin becomes an admin key', async () => {
      const user = await keys.create({ workspaceId: 'ws-a', now: T0 });
      const boss = await keys.create({ workspaceId: 'ws-a', admin: true, now: T0 + 1 });
      expect(user.info.admin).toBe(false);
      expect(boss.info.admin).toBe(true);
      expect(await keys.authenticate(boss.secret)).toMatchObject({ admin: true });
      const configured = await keys.create({ workspaceId: 'default', secret: 'sk-configured-0002', now: T0 + 2 });
      expect(configured.info.admin).toBe(false);
      const again = await keys.create({ workspaceId: 'default', secret: 'sk-configured-0002', admin: true, now: T0 + 3 });
      expect(again.info).toEqual({ ...configured.info, admin: true });
      // Configured again without the flag, it stays an admin key.
      expect((await keys.create({ workspaceId: 'default', secret: 'sk-configured-0002', now: T0 + 4 })).info.admin).toBe(true);
      expect((await keys.list()).map((k) => k.admin)).toEqual([false, true, true]);
    });
  });
}
