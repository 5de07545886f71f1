/**
 * What the HTTP API is built from (createApp in app.ts); a module of its own so that the route
 * modules can name it without importing app.ts, which imports them.
 */
import type { KeyStore } from '../auth/key-store.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { UrlSigner } from '../blobs/url-signer.js';
import type { EngineRegistry } from '../engines/registry.js';
import type { BodyLimits } from '../limits/body-gate.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Metrics } from '../metrics/registry.js';
import type { TaskEvents } from '../tasks/task-events.js';
import type { TaskFeed } from '../tasks/task-feed.js';
import type { Clock, TaskService } from '../tasks/task-service.js';
import type { UploadService } from '../uploads/upload-service.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import type { ReadinessCheck } from './routes/health.js';

export interface AppDeps {
  readonly tasks: TaskService;
  readonly keys: KeyStore;
  readonly engines: EngineRegistry;
  readonly blobs: BlobStore;
  /** Present when results are served by retouch itself (local disk). */
  readonly signer?: UrlSigner;
  readonly clock: Clock;
  readonly resultUrlTtlMs: number;
  readonly logLevel?: string;
  /** While true, new work is refused with 503 (graceful shutdown). */
  readonly isDraining?: () => boolean;
  /** Temporary uploads (`GET /api/v1/uploads?action=getPolicy`, multipart POST); absent = not offered. */
  readonly uploads?: UploadService;
  /** Per-workspace request rates; without a limiter nothing is throttled. */
  readonly limiter?: RateLimiter;
  /**
   * Requests per second and workspace; 0 = unlimited. `uploadPerSecond`: getPolicy per
   * workspace, and upload POSTs per client address (they carry no API key).
   */
  readonly rateLimits?: { readonly submitPerSecond: number; readonly queryPerSecond: number; readonly uploadPerSecond?: number };
  /** Budgets and receive deadline for submission and upload bodies (limits/body-gate.ts); unlimited if absent. */
  readonly bodyLimits?: BodyLimits;
  /** Task wake-ups (settled tasks), for requests that wait for a task; without them they poll. */
  readonly taskEvents?: TaskEvents;
  /** Task changes for long-poll and SSE; without it, wait hints are ignored and SSE is not offered. */
  readonly feed?: TaskFeed;
  readonly push?: { readonly maxWaitMs: number; readonly heartbeatMs: number };
  /** Webhook endpoints and task callbacks; absent = routes and callback header not offered. */
  readonly webhooks?: WebhookService;
  /** Prometheus metrics: HTTP counters here, GET /metrics (token-protected when metricsToken is set). */
  readonly metrics?: Metrics;
  readonly metricsToken?: string;
  /** What GET /readyz checks (the draining flag is always one). */
  readonly readiness?: readonly ReadinessCheck[];
}
