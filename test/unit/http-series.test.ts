/**
 * metrics/http-series.ts against prom-client itself: the same requests recorded through it and
 * through a prom-client Counter and Histogram (as the server had them before) give the same
 * exposition lines and the same JSON, including values on a bucket bound, above every bound,
 * several scrapes in a row and a registry reset.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createHttpSeries } from '../../src/metrics/http-series.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const REQUESTS = 'retouch_http_requests_total';
const DURATION = 'retouch_http_request_duration_seconds';

function pair() {
  const ours = new Registry();
  const series = createHttpSeries(ours, { buckets: BUCKETS });
  const theirs = new Registry();
  const counter = new Counter({
    name: REQUESTS,
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [theirs],
  });
  const histogram = new Histogram({
    name: DURATION,
    help: 'Time to answer an HTTP request, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: BUCKETS,
    registers: [theirs],
  });
  const record = (method: string, route: string, status: number, seconds: number) => {
    series.record(method, route, status, seconds);
    counter.inc({ method, route, status: String(status) });
    histogram.observe({ method, route }, seconds);
  };
  return { ours, theirs, record };
}

async function expectSame(ours: Registry, theirs: Registry) {
  expect(await ours.metrics()).toBe(await theirs.metrics());
  expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
}

describe('HTTP series', () => {
  it('expose what prom-client would', async () => {
    const { ours, theirs, record } = pair();
    await expectSame(ours, theirs); // nothing recorded yet: help and type lines only
    const seconds = [0.0004, 0.001, 0.0049, 0.3, 2.5, 11, 0.02];
    seconds.forEach((s, i) => record('GET', '/api/v1/tasks/:id', i % 3 === 0 ? 404 : 200, s));
    record('POST', '/api/v1/services/aigc/image2image/image-synthesis', 200, 0.04);
    record('GET', 'unmatched', 404, 0.0002);
    await expectSame(ours, theirs);
    expect(await ours.getSingleMetricAsString(REQUESTS)).toContain('retouch_http_requests_total{method="GET",route="/api/v1/tasks/:id",status="200"} 4');
    expect(await ours.getSingleMetricAsString(DURATION)).toContain(
      'retouch_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/api/v1/tasks/:id"} 2',
    );

    // Counts keep adding up across scrapes.
    record('GET', '/api/v1/tasks/:id', 200, 0.007);
    await expectSame(ours, theirs);
    await expectSame(ours, theirs);
  });

  it('start again after a registry reset', async () => {
    const { ours, theirs, record } = pair();
    record('GET', '/healthz', 200, 0.002);
    await expectSame(ours, theirs);
    ours.resetMetrics();
    theirs.resetMetrics();
    await expectSame(ours, theirs);
    record('GET', '/healthz', 200, 0.003);
    record('GET', '/readyz', 503, 0.06);
    await expectSame(ours, theirs);
  });
});
