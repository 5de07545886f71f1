/**
 * The per-request HTTP metrics (requests by method, route and status; answer time by method and
 * route), counted in plain fields and handed to the registry only when /metrics is read.
 *
 * Why not prom-client's labelled `inc` and `observe`: each call validates and hashes its labels
 * again, even through `labels()` children; the pair cost ~1.8 µs per request (a microbench on
 * this host), 3 % of a cached GET's whole CPU. Here a request is one Map lookup and a few
 * additions. The exposition is prom-client's own: the request counter stays a prom-client Counter
 * (what was counted since the last scrape is added in its `collect`), and the histogram hands the
 * registry values in the shape of prom-client's Histogram (same lines, same order; test:
 * test/unit/http-series.test.ts).
 */
import { Counter, type Metric, type Registry } from 'prom-client';

interface DurationSeries {
  readonly labels: { method: string; route: string };
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  readonly counts: number[];
  sum: number;
  count: number;
}

interface RequestSeries {
  readonly labels: { method: string; route: string; status: string };
  readonly duration: DurationSeries;
  /** Requests since the last scrape. */
  pending: number;
}

/** What the registry reads of a metric (prom-client's Registry calls nothing else). */
interface HistogramValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
  exemplar?: null;
}

export interface HttpSeries {
  /** One answered request; `seconds` is its answer time. */
  record(method: string, route: string, status: number, seconds: number): void;
}

export function createHttpSeries(registry: Registry, options: { buckets: readonly number[] }): HttpSeries {
  const bounds = options.buckets;
  const requests = new Map<string, RequestSeries>();
  const durations = new Map<string, DurationSeries>();

  new Counter({
    name: 'retouch_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      for (const s of requests.values()) {
        if (s.pending === 0) continue;
        this.inc(s.labels, s.pending);
        s.pending = 0;
      }
    },
  });

  const name = 'retouch_http_request_duration_seconds';
  const histogram = {
    name,
    help: 'Time to answer an HTTP request, by method and route pattern.',
    type: 'histogram',
    aggregator: 'sum',
    /** Per series: a bucket line per bound (cumulative), +Inf, _sum, _count, as prom-client's Histogram. */
    async getForPromString() {
      const values: HistogramValue[] = [];
      for (const s of durations.values()) {
        let acc = 0;
        bounds.forEach((le, i) => {
          acc += s.counts[i]!;
          values.push({ labels: { le }, sharedLabels: s.labels, value: acc, metricName: `${name}_bucket`, exemplar: null });
        });
        values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: `${name}_bucket`, exemplar: null });
        values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${name}_sum` });
        values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${name}_count` });
      }
      return { name, help: histogram.help, type: histogram.type, values, aggregator: histogram.aggregator };
    },
    /** The JSON form (getMetricsAsJSON): each value's labels with the series' own merged in. */
    async get() {
      const data = await histogram.getForPromString();
      return { ...data, values: data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })) };
    },
    /** As prom-client's: every series gone (the counter's own reset drops its series too). */
    reset() {
      requests.clear();
      durations.clear();
    },
  };
  registry.registerMetric(histogram as unknown as Metric);

  return {
    record(method, route, status, seconds) {
      const key = `${method} ${route} ${status}`;
      let s = requests.get(key);
      if (!s) {
        const durationKey = `${method} ${route}`;
        let duration = durations.get(durationKey);
        if (!duration) {
          duration = { labels: { method, route }, counts: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 };
          durations.set(durationKey, duration);
        }
        // Routes are patterns and unmatched requests one value, so the map is bounded by routes × methods × statuses.
        s = { labels: { method, route, status: String(status) }, duration, pending: 0 };
        requests.set(key, s);
      }
      s.pending++;
      const d = s.duration;
      let i = 0;
      while (i < bounds.length && seconds > bounds[i]!) i++; // prom-client's bound: the first with seconds <= le
      d.counts[i]!++;
      d.sum += seconds;
      d.count++;
    },
  };
}
