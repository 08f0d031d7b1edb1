// Prometheus metrics without a dependency: counters, gauges and histograms with labels, written
// in the text exposition format (version 0.0.4). prom-client does not fit workerd (it loads
// node:cluster, node:v8 and perf_hooks), and the control plane runs there too.
//
// Label values come from small fixed sets (protocol, reason, status) or bounded tables (backend
// ids), so a series map cannot grow without bound; gauges that mirror a table are reset and
// refilled on every scrape.

import { mergeExpositions } from './metrics-merge.ts';

export type Labels = Readonly<Record<string, string>>;

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Seconds; from a local relay hop (ms) to a slow origin (10 s). */
export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

function labelText(names: readonly string[], labels: Labels, extra?: [string, string]): string {
  const parts = names.map((name) => `${name}="${escapeLabel(labels[name] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

abstract class Metric {
  protected readonly series = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}

  protected key(labels: Labels): string {
    for (const name of Object.keys(labels)) {
      if (!this.labelNames.includes(name)) throw new Error(`metric ${this.name} has no label ${name}`);
    }
    return this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
  }

  protected entry(labels: Labels): { labels: Labels; value: number } {
    const key = this.key(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels: { ...labels }, value: 0 };
      this.series.set(key, entry);
    }
    return entry;
  }

  /** The current value of one series (0 when never set). */
  get(labels: Labels = {}): number {
    return this.series.get(this.key(labels))?.value ?? 0;
  }

  protected header(): string {
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
  }

  render(): string {
    let out = this.header();
    for (const { labels, value } of this.series.values()) {
      out += `${this.name}${labelText(this.labelNames, labels)} ${formatValue(value)}\n`;
    }
    return out;
  }
}

export class Counter extends Metric {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'counter');
  }

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    this.entry(labels).value += by;
  }

  /** For a counter mirrored at scrape from a monotonic source; never moves it backwards. */
  setCollected(labels: Labels, total: number): void {
    const entry = this.entry(labels);
    entry.value = Math.max(entry.value, total);
  }
}

export class Gauge extends Metric {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'gauge');
  }

  set(labels: Labels, value: number): void {
    this.entry(labels).value = value;
  }

  /** Drops every series (a gauge that mirrors a table is refilled on each scrape). */
  reset(): void {
    this.series.clear();
  }
}

interface HistogramSeries {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric {
  private readonly histograms = new Map<string, HistogramSeries>();

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    readonly buckets: readonly number[] = LATENCY_BUCKETS,
  ) {
    super(name, help, labelNames, 'histogram');
  }

  observe(labels: Labels, value: number): void {
    const key = this.key(labels);
    let h = this.histograms.get(key);
    if (!h) {
      h = { labels: { ...labels }, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.histograms.set(key, h);
    }
    // Each observation lands in one bucket; render() makes the counts cumulative.
    const i = this.buckets.findIndex((upper) => value <= upper);
    if (i >= 0) h.counts[i] = (h.counts[i] ?? 0) + 1;
    h.sum += value;
    h.count++;
  }

  /** Observations so far in one series. */
  count(labels: Labels = {}): number {
    return this.histograms.get(this.key(labels))?.count ?? 0;
  }

  override render(): string {
    let out = this.header();
    for (const h of this.histograms.values()) {
      let cumulative = 0;
      this.buckets.forEach((upper, i) => {
        cumulative += h.counts[i] ?? 0;
        out += `${this.name}_bucket${labelText(this.labelNames, h.labels, ['le', formatValue(upper)])} ${cumulative}\n`;
      });
      out += `${this.name}_bucket${labelText(this.labelNames, h.labels, ['le', '+Inf'])} ${h.count}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, h.labels)} ${formatValue(h.sum)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, h.labels)} ${h.count}\n`;
    }
    return out;
  }
}

type Collector = () => void | Promise<void>;
/** Expositions of other processes of the same node (cluster workers), merged into this one's. */
type Source = () => Promise<string[]>;

/** A set of metrics rendered together; collectors refresh scrape-time gauges first. */
export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();
  private readonly collectors = new Set<Collector>();
  private readonly sources = new Set<Source>();

  /** The metric registered under `name`, created by `make` the first time (idempotent). */
  private register<M extends Metric>(name: string, make: () => M): M {
    const existing = this.metrics.get(name);
    if (existing) return existing as M;
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name ${name}`);
    const metric = make();
    this.metrics.set(name, metric);
    return metric;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(name, () => new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(name, () => new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: readonly number[]): Histogram {
    return this.register(name, () => new Histogram(name, help, labelNames, buckets));
  }

  /** Runs before every render; the returned function removes it. */
  onCollect(collector: Collector): () => void {
    this.collectors.add(collector);
    return () => this.collectors.delete(collector);
  }

  /** Adds other processes' expositions to every render; the returned function removes it. */
  addSource(source: Source): () => void {
    this.sources.add(source);
    return () => this.sources.delete(source);
  }

  async render(): Promise<string> {
    for (const collect of this.collectors) await collect();
    let out = '';
    for (const metric of this.metrics.values()) out += metric.render();
    if (this.sources.size === 0) return out;
    const others = await Promise.all([...this.sources].map((source) => source()));
    return mergeExpositions([out, ...others.flat()]);
  }
}

/**
 * The process's registry (one per Worker isolate): the data plane's session counters and the
 * control plane's counters land here, so an all-in-one node renders both on one /metrics.
 */
export const defaultRegistry = new MetricsRegistry();
