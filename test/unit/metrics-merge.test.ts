// Merging the /metrics of a cluster's processes into one node's exposition.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricsRegistry } from '../../shared/metrics.ts';
import { mergeExpositions } from '../../shared/metrics-merge.ts';

function processRegistry(rtmpSessions: number, draining: number, latencies: number[]): MetricsRegistry {
  const registry = new MetricsRegistry();
  registry.gauge('switchyard_sessions_active', 'Open sessions.', ['protocol']).set({ protocol: 'rtmp' }, rtmpSessions);
  registry.gauge('switchyard_node_draining', 'Draining.').set({}, draining);
  registry.counter('switchyard_sessions_total', 'Sessions.', ['protocol']).inc({ protocol: 'rtmp' }, rtmpSessions);
  const h = registry.histogram('switchyard_route_seconds', 'Routing.', [], [0.01, 0.1]);
  for (const l of latencies) h.observe({}, l);
  return registry;
}

describe('mergeExpositions', () => {
  it('adds counters, histograms and session gauges, and keeps node-wide states', async () => {
    const primary = await processRegistry(0, 1, [0.005]).render();
    const workers = [await processRegistry(3, 0, [0.05]).render(), await processRegistry(4, 0, [0.5]).render()];
    const merged = mergeExpositions([primary, ...workers]);
    const value = (series: string) =>
      Number(
        merged
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.split(' ')[1],
      );
    assert.equal(value('switchyard_sessions_active{protocol="rtmp"}'), 7);
    assert.equal(value('switchyard_sessions_total{protocol="rtmp"}'), 7);
    assert.equal(value('switchyard_node_draining'), 1);
    assert.equal(value('switchyard_route_seconds_bucket{le="0.01"}'), 1);
    assert.equal(value('switchyard_route_seconds_bucket{le="0.1"}'), 2);
    assert.equal(value('switchyard_route_seconds_bucket{le="+Inf"}'), 3);
    assert.equal(value('switchyard_route_seconds_count'), 3);
    assert.equal(merged.match(/# TYPE switchyard_sessions_active /g)?.length, 1);
  });

  it('is what the registry renders when other processes are added as sources', async () => {
    const registry = processRegistry(2, 0, []);
    const worker = await processRegistry(5, 0, []).render();
    registry.addSource(async () => [worker]);
    assert.match(await registry.render(), /^switchyard_sessions_active\{protocol="rtmp"\} 7$/m);
  });
});
