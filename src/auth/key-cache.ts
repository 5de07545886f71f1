/**
 * A KeyStore in front of another one that remembers recent successful authentications, so that
 * a busy client costs one key lookup (hash + query) per second instead of one per request.
 *
 * Revocation bound: an entry is trusted for `ttlMs` (1 s by default) after it was read from the
 * store, so a key revoked on any node stops working on every node within `ttlMs`; a revoke
 * through this node drops its entries at once. Only successes are remembered: an unknown or
 * revoked key is looked up every time (a new key works at once, and guessing keys cannot fill
 * the cache). The map is bounded (`maxEntries`, oldest dropped first), keyed by the secret
 * itself: it holds the secrets of active keys that were used in the last second, as the
 * requests carrying them do.
 */
import type { ApiKeyInfo, KeyStore } from './key-store.js';

export interface KeyCacheOptions {
  /** Milliseconds from a monotonic clock (default performance.now): the bound is real time, not the service's (test) clock. */
  readonly now?: () => number;
  /** How long a successful lookup is trusted: the revocation bound. */
  readonly ttlMs?: number;
  readonly maxEntries?: number;
}

export const KEY_CACHE_TTL_MS = 1000;

interface Entry {
  readonly info: ApiKeyInfo;
  readonly until: number;
}

export function createCachedKeyStore(store: KeyStore, options: KeyCacheOptions = {}): KeyStore {
  const now = options.now ?? (() => performance.now());
  const ttlMs = options.ttlMs ?? KEY_CACHE_TTL_MS;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  // Concurrent requests with the same uncached key share one lookup.
  const lookups = new Map<string, Promise<ApiKeyInfo | undefined>>();

  function remember(secret: string, info: ApiKeyInfo, readAt: number): void {
    entries.delete(secret);
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(secret, { info, until: readAt + ttlMs });
  }

  return {
    create: (options) => store.create(options),
    list: () => store.list(),
    async authenticate(secret) {
      const entry = entries.get(secret);
      if (entry && entry.until > now()) return entry.info;
      const pending = lookups.get(secret);
      if (pending) return pending;
      const readAt = now();
      const lookup = store.authenticate(secret).then(
        (info) => {
          lookups.delete(secret);
          if (info) remember(secret, info, readAt);
          else entries.delete(secret);
          return info;
        },
        (err: unknown) => {
          lookups.delete(secret);
          throw err;
        },
      );
      lookups.set(secret, lookup);
      return lookup;
    },
    async revoke(id, now) {
      const revoked = await store.revoke(id, now);
      for (const [secret, entry] of entries) if (entry.info.id === id) entries.delete(secret);
      return revoked;
    },
  };
}
