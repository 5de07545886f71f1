/**
 * The Prometheus registry (prom-client), one per server instance (never prom-client's global
 * one: tests run several servers in one process). Served at GET /metrics (api/routes/health.ts).
 *
 * Adding a metric: declare it here with `registers: [registry]`, expose it on `Metrics`, and
 * list it in docs/architecture.md ("Operator surface"). Label values must come from small
 * closed sets (route patterns, model names, states), never from ids or user input.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TASK_STATUSES } from '@retouch/sdk/protocol';
import type { TaskRecord } from '../tasks/task-record.js';

/** Seconds: from sub-second test edits to the 10-minute task timeout. */
const TASK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

export interface Sources {
  /** Live tasks by stored state, for the queue-depth gauge. */
  taskCounts(): Promise<Partial<Record<string, number>>>;
  /** Deliveries waiting to be (re)sent. */
  pendingDeliveries(): Promise<number>;
}

export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'retouch_' });
  let sources: Sources | undefined;

  const metrics = {
    registry,
    httpRequests: new Counter({
      name: 'retouch_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'retouch_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route pattern.',
      labelNames: ['method', 'route'] as const,
      buckets: HTTP_BUCKETS,
      registers,
    }),
    taskLatency: new Histogram({
      name: 'retouch_task_latency_seconds',
      help: 'From submit_time to end_time of tasks settled by a worker, by route (model) and outcome.',
      labelNames: ['route', 'outcome'] as const,
      buckets: TASK_BUCKETS,
      registers,
    }),
    taskQueueWait: new Histogram({
      name: 'retouch_task_queue_wait_seconds',
      help: 'From submit_time to scheduled_time (waiting PENDING), by route (model).',
      labelNames: ['route'] as const,
      buckets: TASK_BUCKETS,
      registers,
    }),
    engineEdit: new Histogram({
      name: 'retouch_engine_edit_seconds',
      help: 'One engine edit (one output image), by route (model), engine (local, openai, …) and outcome (ok, error).',
      labelNames: ['route', 'engine', 'outcome'] as const,
      buckets: TASK_BUCKETS,
      registers,
    }),
    webhookAttempts: new Counter({
      name: 'retouch_webhook_attempts_total',
      help: 'Webhook delivery attempts by result (success, http_error, redirect, timeout, network, forbidden).',
      labelNames: ['result'] as const,
      registers,
    }),
    webhookAttemptDuration: new Histogram({
      name: 'retouch_webhook_attempt_duration_seconds',
      help: 'Duration of webhook delivery attempts.',
      buckets: HTTP_BUCKETS,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'retouch_webhook_deliveries_total',
      help: 'Webhook deliveries finished, by outcome (delivered, failed after the last retry).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    /** Wires the gauges that read the store (queue depth, pending deliveries) at scrape time. */
    setSources(next: Sources) {
      sources = next;
    },
    /** A task a worker settled: queue wait and end-to-end latency. */
    observeSettled(task: TaskRecord) {
      if (task.endTime === undefined) return;
      const outcome = task.status.toLowerCase();
      metrics.taskLatency.observe({ route: task.model, outcome }, Math.max(0, task.endTime - task.submitTime) / 1000);
      if (task.scheduledTime !== undefined) metrics.taskQueueWait.observe({ route: task.model }, Math.max(0, task.scheduledTime - task.submitTime) / 1000);
    },
  };

  new Gauge({
    name: 'retouch_tasks',
    help: 'Live (not yet expired) tasks by state; PENDING is the queue depth. Shared by every node of a deployment.',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      if (!sources) return;
      const counts = await sources.taskCounts();
      for (const state of TASK_STATUSES.filter((s) => s !== 'UNKNOWN')) this.set({ state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: 'retouch_webhook_deliveries_pending',
    help: 'Webhook deliveries waiting for their next attempt (all nodes).',
    registers,
    async collect() {
      if (sources) this.set(await sources.pendingDeliveries());
    },
  });
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
