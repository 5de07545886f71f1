/**
 * Receiving a request body under a budget and a deadline (see body-budget.ts). Each chunk is
 * reserved as it arrives; the body must arrive within `deadlineMs` overall and, after a grace
 * period, at `minBytesPerSecond` on average. A sender that trickles (one byte every few
 * seconds) is therefore cut off after a few seconds, not after the 120 s request timeout, and
 * never holds more of the budget than it has actually sent.
 *
 * Failures are ApiErrors carrying `connection: close`: the answer goes out at once and the
 * connection is closed rather than kept reading a body nobody wants.
 */
import { Transform, type Readable } from 'node:stream';
import { Errors, type ApiError } from '../errors.js';
import type { BodyReservation } from './body-budget.js';

export interface ReceiveLimits {
  /** The whole body must have arrived by then. */
  readonly deadlineMs: number;
  /** Average rate required once `graceMs` have passed; 0 = no rate check. */
  readonly minBytesPerSecond: number;
  readonly graceMs: number;
}

/** Counts bytes against the budget and watches the clock; `fail` is called at most once. */
export interface ReceiveGuard {
  /** Reserves a chunk; false when it failed (and `fail` has been called). */
  chunk(bytes: number): boolean;
  /** Stops the clock (body complete, or the request is gone). */
  stop(): void;
}

/** `startedAt` (epoch ms): when the body began, if before now (e.g. a multipart form's fields). */
export function createReceiveGuard(reservation: BodyReservation, limits: ReceiveLimits, fail: (err: ApiError) => void, startedAt = Date.now()): ReceiveGuard {
  const start = startedAt;
  let received = 0;
  let done = false;
  const failOnce = (err: ApiError) => {
    if (done) return;
    done = true;
    clearInterval(timer);
    fail(err);
  };
  const timer = setInterval(() => {
    const elapsed = Date.now() - start;
    const slow = limits.minBytesPerSecond > 0 && elapsed > limits.graceMs && received < ((elapsed - limits.graceMs) / 1000) * limits.minBytesPerSecond;
    if (elapsed > limits.deadlineMs || slow) failOnce(Errors.bodyTooSlow(limits));
  }, 250);
  timer.unref();
  return {
    chunk(bytes) {
      if (done) return false;
      received += bytes;
      if (reservation.take(bytes)) return true;
      failOnce(Errors.bodyBudgetExceeded());
      return false;
    },
    stop() {
      done = true;
      clearInterval(timer);
    },
  };
}

/**
 * The stream a Fastify `preParsing` hook returns: `source`'s bytes, metered. On failure the
 * returned stream errors (Fastify answers with that error) and `source` is unpiped but left
 * open, so that the answer can still be written on its socket.
 */
export function meterBody(source: Readable, reservation: BodyReservation, limits: ReceiveLimits): Transform {
  const metered = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (guard.chunk(chunk.length)) callback(null, chunk);
      else callback();
    },
    flush(callback) {
      guard.stop();
      callback();
    },
  });
  const guard = createReceiveGuard(reservation, limits, (err) => {
    source.unpipe(metered);
    metered.destroy(err);
  });
  // Fastify stops listening once it has given up on a body (e.g. over the body limit) while
  // bytes may still arrive: a late failure must not become an uncaught 'error' event.
  metered.on('error', () => undefined);
  source.on('error', (err) => metered.destroy(err));
  source.on('close', () => guard.stop());
  metered.on('close', () => guard.stop());
  source.pipe(metered);
  return metered;
}
