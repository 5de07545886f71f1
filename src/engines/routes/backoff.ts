/** Bounded exponential backoff with jitter for upstream retries: ~0.5 s, 1 s, 2 s … at most 30 s. */
export function backoffMs(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}
