// The exposition writer against Prometheus's own parser (promtool) and the format's rules:
// HELP/TYPE lines, escaped label values, cumulative histogram buckets with +Inf, _sum and _count.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricsRegistry } from '../../shared/metrics.ts';
import { promtoolCheck, sampleValue } from '../helpers/prometheus.ts';

function sample(): MetricsRegistry {
  const registry = new MetricsRegistry();
  const sessions = registry.counter('demo_sessions_total', 'Sessions.\nSecond line with \\ backslash.', [
    'protocol',
    'reason',
  ]);
  sessions.inc({ protocol: 'rtmp', reason: 'client_gone' });
  sessions.inc({ protocol: 'rtmp', reason: 'client_gone' }, 2);
  sessions.inc({ protocol: 'http', reason: 'no_backend' });
  registry.gauge('demo_backend_up', 'Up.', ['backend']).set({ backend: 'odd "id"\\with\nnewline' }, 1);
  const latency = registry.histogram('demo_latency_seconds', 'Latency.', ['operation'], [0.1, 1]);
  for (const v of [0.05, 0.5, 0.5, 3]) latency.observe({ operation: 'pick' }, v);
  return registry;
}

describe('metrics exposition', () => {
  it('is accepted by promtool check metrics', async () => {
    const text = await sample().render();
    const verdict = await promtoolCheck(text);
    assert.equal(verdict.code, 0, `${verdict.output}\n${text}`);
    assert.equal(verdict.output.trim(), '', verdict.output);
  });

  it('promtool rejects a broken exposition (the check can fail)', async () => {
    const verdict = await promtoolCheck('# TYPE x counter\nx{a="unterminated} 1\n');
    assert.notEqual(verdict.code, 0);
  });

  it('writes HELP and TYPE, escapes help and label values', async () => {
    const text = await sample().render();
    assert.match(text, /^# HELP demo_sessions_total Sessions\.\\nSecond line with \\\\ backslash\.$/m);
    assert.match(text, /^# TYPE demo_sessions_total counter$/m);
    assert.match(text, /^demo_sessions_total\{protocol="rtmp",reason="client_gone"\} 3$/m);
    assert.match(text, /^demo_backend_up\{backend="odd \\"id\\"\\\\with\\nnewline"\} 1$/m);
    assert.equal(sampleValue(text, 'demo_backend_up', { backend: 'odd "id"\\with\nnewline' }), 1);
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', async () => {
    const text = await sample().render();
    const bucket = (le: string) => sampleValue(text, 'demo_latency_seconds_bucket', { operation: 'pick', le });
    assert.deepEqual([bucket('0.1'), bucket('1'), bucket('+Inf')], [1, 3, 4]);
    assert.equal(sampleValue(text, 'demo_latency_seconds_count', { operation: 'pick' }), 4);
    assert.equal(sampleValue(text, 'demo_latency_seconds_sum', { operation: 'pick' }), 4.05);
  });

  it('refreshes scrape-time gauges through collectors and drops a reset gauge series', async () => {
    const registry = new MetricsRegistry();
    const gauge = registry.gauge('demo_open', 'Open.', ['backend']);
    let open = ['a', 'b'];
    registry.onCollect(() => {
      gauge.reset();
      for (const id of open) gauge.set({ backend: id }, 1);
    });
    assert.equal(sampleValue(await registry.render(), 'demo_open'), 2);
    open = ['b'];
    const text = await registry.render();
    assert.equal(sampleValue(text, 'demo_open'), 1);
    assert.doesNotMatch(text, /backend="a"/);
  });

  it('refuses unknown labels, negative counter steps and bad names', () => {
    const registry = new MetricsRegistry();
    const c = registry.counter('demo_total', 'x', ['protocol']);
    assert.throws(() => c.inc({ other: 'x' }), /no label other/);
    assert.throws(() => c.inc({}, -1), /cannot decrease/);
    assert.throws(() => registry.counter('bad-name', 'x'), /bad metric name/);
    assert.equal(registry.counter('demo_total', 'x', ['protocol']), c, 'registering twice returns the same metric');
  });
});
