/**
 * The API-key cache (auth/key-cache.ts) in front of the real SQLite key store: a success is
 * trusted for the TTL and no longer, a revoke through the cache is immediate, failures are never
 * remembered, and the map stays within its bound. Time is the cache's injected monotonic clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCachedKeyStore } from '../../src/auth/key-cache.js';
import { createKeyStore, type KeyStore } from '../../src/auth/key-store.js';
import { createSqliteKeyRepository } from '../../src/auth/sqlite/sqlite-key-repository.js';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite/database.js';

const T0 = 1_750_000_000_000;

describe('API-key cache', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: KeyStore;
  let lookups: number;
  let now: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'key-cache-'));
    db = openSqlite(join(dir, 'retouch.db'));
    const real = createKeyStore(createSqliteKeyRepository(db));
    lookups = 0;
    // Counts the lookups that reach the real store.
    store = { ...real, authenticate: (secret) => (lookups++, real.authenticate(secret)) };
    now = 0;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trusts a successful lookup for the TTL: a revoke behind its back takes effect after it, not before', async () => {
    const cache = createCachedKeyStore(store, { now: () => now, ttlMs: 1000 });
    const { secret, info } = await store.create({ workspaceId: 'ws', now: T0 });
    expect(await cache.authenticate(secret)).toEqual(info);
    expect(await cache.authenticate(secret)).toEqual(info);
    expect(lookups).toBe(1);

    expect(await store.revoke(info.id, T0 + 1)).toBe(true); // another node, straight in the database
    now = 999;
    expect(await cache.authenticate(secret)).toEqual(info); // still within the bound
    now = 1000;
    expect(await cache.authenticate(secret)).toBeUndefined();
    expect(lookups).toBe(2);
  });

  it('a revoke through the cache is immediate', async () => {
    const cache = createCachedKeyStore(store, { now: () => now });
    const { secret, info } = await cache.create({ workspaceId: 'ws', now: T0 });
    expect(await cache.authenticate(secret)).toEqual(info);
    expect(await cache.revoke(info.id, T0 + 1)).toBe(true);
    expect(await cache.authenticate(secret)).toBeUndefined();
  });

  it('never remembers a failure (a key created later works at once); concurrent misses share one lookup', async () => {
    const cache = createCachedKeyStore(store, { now: () => now });
    const secret = 'sk-created-after-a-miss-0001';
    expect(await cache.authenticate(secret)).toBeUndefined();
    expect(await cache.authenticate(secret)).toBeUndefined();
    expect(lookups).toBe(2);
    const { info } = await store.create({ workspaceId: 'ws', secret, now: T0 });
    const all = await Promise.all([cache.authenticate(secret), cache.authenticate(secret), cache.authenticate(secret)]);
    expect(all).toEqual([info, info, info]);
    expect(lookups).toBe(3);
  });

  it('is bounded: past maxEntries the oldest entry goes', async () => {
    const cache = createCachedKeyStore(store, { now: () => now, maxEntries: 2 });
    const secrets = [];
    for (let i = 0; i < 3; i++) secrets.push((await store.create({ workspaceId: `ws-${i}`, now: T0 })).secret);
    for (const s of secrets) await cache.authenticate(s);
    expect(lookups).toBe(3);
    await cache.authenticate(secrets[2]!);
    await cache.authenticate(secrets[1]!);
    expect(lookups).toBe(3); // the two newest are held
    expect((await cache.authenticate(secrets[0]!))?.workspaceId).toBe('ws-0');
    expect(lookups).toBe(4); // the oldest had been dropped
  });
});
