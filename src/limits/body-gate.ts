/**
 * Where request bodies meet the budget (body-budget.ts) and the receive deadline
 * (body-meter.ts): one gate per app, shared by submissions and uploads, so that every large
 * body in flight counts against the same process budget. A reservation is released when the
 * response is finished or the connection is gone, whichever comes first.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { ApiError } from '../errors.js';
import { createBodyBudget, type BodyBudget } from './body-budget.js';
import { createReceiveGuard, meterBody, type ReceiveGuard, type ReceiveLimits } from './body-meter.js';

export interface BodyLimits extends ReceiveLimits {
  /** Bytes of bodies in flight in this process (RETOUCH_MAX_INFLIGHT_BODY_MB). */
  readonly totalBytes: number;
  /** Bytes of bodies in flight per tenant (RETOUCH_MAX_INFLIGHT_BODY_MB_PER_WORKSPACE). */
  readonly perTenantBytes: number;
}

export interface BodyGate {
  /** For a `preParsing` hook: `payload`, metered for `tenant` until `response` ends. */
  meter(tenant: string, response: ServerResponse, payload: Readable): Readable;
  /**
   * For a stream the handler reads itself (a multipart form): a guard to feed each chunk to.
   * `release` gives the reservation back early (the body is no longer held).
   */
  guard(tenant: string, response: ServerResponse, fail: (err: ApiError) => void, startedAt?: number): ReceiveGuard & { release(): void };
  readonly budget: BodyBudget;
  readonly limits: BodyLimits;
}

export function createBodyGate(limits: BodyLimits): BodyGate {
  const budget = createBodyBudget({ totalBytes: limits.totalBytes, perTenantBytes: limits.perTenantBytes });
  const openUntilDone = (tenant: string, response: ServerResponse) => {
    const reservation = budget.open(tenant);
    response.once('close', reservation.release);
    response.once('finish', reservation.release);
    return reservation;
  };
  return {
    budget,
    limits,
    meter(tenant, response, payload) {
      return meterBody(payload, openUntilDone(tenant, response), limits);
    },
    guard(tenant, response, fail, startedAt) {
      const reservation = openUntilDone(tenant, response);
      const guard = createReceiveGuard(reservation, limits, fail, startedAt);
      response.once('close', guard.stop);
      return { chunk: guard.chunk, stop: guard.stop, release: reservation.release };
    },
  };
}
