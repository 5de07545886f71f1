import { fail, ok, warn, type Check, type Finding } from '../check.js';
import { headBucket } from './blobs.js';

/** Above this, links signed on one node and checked on another (or by S3) expire visibly early or late. */
const WARN_MS = 2_000;
/** S3 refuses requests (and presigned links) beyond 15 minutes of skew; well before that, fail. */
const FAIL_MS = 60_000;

function skewFinding(against: string, skewMs: number): Finding {
  const ms = Math.round(Math.abs(skewMs));
  const text = `this host's clock is ${ms === 0 ? 'in step with' : `${ms} ms ${skewMs > 0 ? 'ahead of' : 'behind'}`} ${against}`;
  const fix = 'synchronise the clocks with NTP on every node (`timedatectl set-ntp true`, chrony or systemd-timesyncd)';
  if (Math.abs(skewMs) > FAIL_MS) return fail('clock', text, fix);
  if (Math.abs(skewMs) > WARN_MS) return warn('clock', text, fix);
  return ok('clock', text);
}

/**
 * Signed links carry an expiry checked against a clock. Embedded (SQLite, local disk): the same
 * host signs and checks, so there is no skew to measure. PostgreSQL: nodes share the database's
 * clock as the reference (workers stamp end_time, API nodes sign links from it). S3: the store
 * checks presigned links against its own clock.
 */
export const clockCheck: Check = {
  id: 'clock',
  needsConfig: true,
  async run({ config, now }) {
    const findings: Finding[] = [];
    if (config!.databaseUrl) {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: config!.databaseUrl, connectionTimeoutMillis: 5000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const sent = now();
        const { rows } = await client.query<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms');
        findings.push(skewFinding('the PostgreSQL server', (sent + now()) / 2 - Number(rows[0]!.ms)));
      } catch {
        // The store check reports the connection problem.
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    if (config!.s3) {
      const seen = await headBucket(config!.s3, now).catch(() => undefined); // the blobs check reports failures
      if (seen?.serverMs !== undefined) {
        // The Date header has whole seconds: up to 1 s of the difference is rounding.
        const skew = seen.localMs - seen.serverMs;
        findings.push(skewFinding('the S3 store (±1 s)', Math.abs(skew) <= 1000 ? 0 : skew));
      }
    }
    if (!config!.databaseUrl && !config!.s3) {
      findings.push(
        ok('clock', 'one host signs and checks result links (embedded store, local disk): no clock to compare with; keep it NTP-synchronised for clients'),
      );
    }
    return findings;
  },
};
