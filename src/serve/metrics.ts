// Prometheus metrics in the text exposition format (version 0.0.4), written here rather than
// pulled in: counters, histograms and gauges with labels are all the server needs.

type Labels = Record<string, string>;

const escapeValue = (v: string) =>
  v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};
const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort());
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : '-Inf');

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }
  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.values.values()].map((e) => `${this.name}${labelText(e.labels)} ${num(e.value)}`),
    ];
  }
}

interface Buckets {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  private readonly series = new Map<string, Buckets>();
  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, ascending (+Inf is added). */
    readonly bounds: readonly number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const key = keyOf(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    this.bounds.forEach((b, i) => {
      if (value <= b) s.counts[i]++;
    });
    s.sum += value;
    s.count++;
  }
  /** Observations and their sum for these labels. */
  get(labels: Labels = {}): { count: number; sum: number } {
    const s = this.series.get(keyOf(labels));
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.bounds.forEach((b, i) => {
        lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: num(b) })} ${s.counts[i]}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

/** A gauge read when scraped (queue depth is the batcher's, not a copy). */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => { labels: Labels; value: number }[],
  ) {}
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      ...this.read().map((e) => `${this.name}${labelText(e.labels)} ${num(e.value)}`),
    ];
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
  render(): string {
    return `${this.metrics.flatMap((m) => m.render()).join('\n')}\n`;
  }
}

/** The server's metrics. */
export function serverMetrics(queueDepths: () => { model: string; depth: number }[]) {
  const registry = new Registry();
  return {
    registry,
    requests: registry.add(
      new Counter('visiontune_http_requests_total', 'HTTP requests answered, by route and status'),
    ),
    latency: registry.add(
      new Histogram(
        'visiontune_http_request_duration_seconds',
        'time to answer an HTTP request, by route',
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      ),
    ),
    batchSize: registry.add(
      new Histogram(
        'visiontune_batch_size',
        'images per forward pass, by model',
        [1, 2, 4, 8, 16, 32, 64, 128, 256],
      ),
    ),
    inference: registry.add(
      new Histogram(
        'visiontune_batch_duration_seconds',
        'time to run one batch, by model',
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ),
    ),
    queueDepth: registry.add(
      new Gauge('visiontune_queue_depth', 'images waiting for a batch, by model', () =>
        queueDepths().map((q) => ({ labels: { model: q.model }, value: q.depth })),
      ),
    ),
  };
}

export type ServerMetrics = ReturnType<typeof serverMetrics>;
