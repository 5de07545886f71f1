/**
 * Budgets for request bodies being received and processed at once, per tenant and per process.
 * A create request's body (up to 42 MB of base64 JSON) costs about 3–4× its size while it is
 * parsed and decoded, so without a budget twenty concurrent large uploads take gigabytes.
 *
 * Bytes are reserved **as they arrive** (body-meter.ts counts them), never by the declared
 * Content-Length: a client that declares 42 MB and trickles one byte holds one byte. They are
 * released when the response is done. A reservation that would pass the tenant's budget or the
 * process's fails, and the request is answered 429 at once.
 *
 * Isolation: a tenant can hold at most `perTenantBytes`. When `perTenantBytes` + one full-size
 * body fit in `totalBytes` (the defaults, 64 + 42 ≤ 128 MB), one tenant can never leave too
 * little of the process budget for another tenant's request: only several tenants together can.
 */
export interface BodyReservation {
  /** Reserves `bytes` more; false (nothing reserved) when a budget would be exceeded. */
  take(bytes: number): boolean;
  /** Gives back everything this reservation holds; later calls do nothing. */
  release(): void;
  readonly held: () => number;
}

export interface BodyBudget {
  /** A reservation of zero bytes for `tenant` (a workspace id, or a client address). */
  open(tenant: string): BodyReservation;
  readonly inUse: (tenant?: string) => number;
}

export function createBodyBudget(options: { totalBytes: number; perTenantBytes: number }): BodyBudget {
  let total = 0;
  const byTenant = new Map<string, number>();

  return {
    open(tenant) {
      let held = 0;
      let released = false;
      return {
        take(bytes) {
          if (released || bytes <= 0) return !released;
          const tenantUse = byTenant.get(tenant) ?? 0;
          if (tenantUse + bytes > options.perTenantBytes || total + bytes > options.totalBytes) return false;
          byTenant.set(tenant, tenantUse + bytes);
          total += bytes;
          held += bytes;
          return true;
        },
        release() {
          if (released) return;
          released = true;
          total -= held;
          const left = (byTenant.get(tenant) ?? 0) - held;
          if (left > 0) byTenant.set(tenant, left);
          else byTenant.delete(tenant);
          held = 0;
        },
        held: () => held,
      };
    },
    inUse: (tenant) => (tenant === undefined ? total : (byTenant.get(tenant) ?? 0)),
  };
}
