// Load-aware placement end to end through the control app: three origins send SRS heartbeats
// with summaries (the captured SRS 7 body, load fields varied), 31 new streams are routed, on a
// real Redis behind the Upstash REST server, each pick one round trip.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { loadFromSummaries } from '../../control/placement.ts';
import { UpstashStore } from '../../control/store/upstash-store.ts';
import { postJson, testControl } from '../helpers/control-app.ts';
import { countRequests, startUpstash, type UpstashFixture } from '../helpers/redis.ts';

interface SystemSummary {
  cpu_percent: number;
  conn_srs: number;
  srs_sample_time: number;
  srs_recv_bytes: number;
}

const captured = JSON.parse(
  readFileSync(new URL('../fixtures/srs/srs-heartbeat-summaries.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { summaries: { data: { system: SystemSummary } } };

/** The captured heartbeat as origin `server` with the given CPU (0..1) and connection count. */
function heartbeat(server: string, rtmpPort: number, cpu: number, connections: number, bytes = 0, at = 1_000) {
  const body = structuredClone(captured);
  Object.assign(body, { server, service: `svc-${server}`, ip: '127.0.0.1', rtmp: [String(rtmpPort)] });
  Object.assign(body.summaries.data.system, {
    cpu_percent: cpu,
    conn_srs: connections,
    srs_recv_bytes: bytes,
    srs_send_bytes: 0,
    srs_sample_time: at,
  });
  return body;
}

let upstash: UpstashFixture;
before(async () => {
  upstash = await startUpstash();
});
after(async () => {
  await upstash?.close();
});

describe('load-aware placement', () => {
  it('reads CPU, connections and the traffic rate from the captured summaries', () => {
    const system = captured.summaries.data.system;
    const first = loadFromSummaries(captured);
    assert.equal(first?.cpu, system.cpu_percent);
    assert.equal(first?.connections, system.conn_srs);
    assert.equal(first?.kbps, 0, 'one sample gives no rate');
    const later = structuredClone(captured);
    later.summaries.data.system.srs_sample_time = system.srs_sample_time + 10_000;
    later.summaries.data.system.srs_recv_bytes = system.srs_recv_bytes + 12_500_000; // 10 Mbit/s for 10 s
    const second = loadFromSummaries(later, first);
    assert.equal(second?.kbps, 10_000);
    assert.equal(second?.score, Math.round((system.cpu_percent * 100 + system.conn_srs + 1) * 1000) / 1000);
    assert.equal(loadFromSummaries({ summaries: { data: { system: { cpu_percent: 'x' } } } }), undefined);
  });

  it('spreads 31 new streams by load, least loaded most, each pick one round trip on Upstash', async () => {
    const store = new UpstashStore({
      url: upstash.url,
      token: upstash.token,
      keyPrefix: `placement-${process.pid}`,
      aliveMs: 300_000,
      streamTtlMs: 3_600_000,
      rtcSessionTtlMs: 120_000,
    });
    const { app } = testControl({ store });
    const origins = { light: [0.01, 1], medium: [0.03, 3], heavy: [0.06, 6] } as const;
    let port = 19350;
    for (const [server, [cpu, connections]] of Object.entries(origins)) {
      const res = await app.request('/api/v1/srs/register', postJson(heartbeat(server, port++, cpu, connections)));
      assert.equal(res.status, 200);
    }
    const route = (stream: string) =>
      app.request('/api/v1/routes', postJson({ vhost: '__defaultVhost__', app: 'live', stream, proto: 'rtmp' }));
    const placed = { light: 0, medium: 0, heavy: 0 };
    const place = async (stream: string) => {
      const body = (await (await route(stream)).json()) as { backend: { server: string } };
      placed[body.backend.server as keyof typeof placed] += 1;
    };
    await place('warm-up'); // loads the script into Redis (EVALSHA misses once)
    const counted = await countRequests(upstash.url, async () => {
      for (let i = 0; i < 30; i++) await place(`s${i}`);
    });
    assert.equal(counted.requests, 30, 'one store round trip per pick');
    // Scores (100 x CPU + connections): 2, 6, 12. Filling the cheapest first levels them out.
    assert.ok(placed.light > placed.medium && placed.medium > placed.heavy && placed.heavy > 0, JSON.stringify(placed));
    const levels = [2 + placed.light, 6 + placed.medium, 12 + placed.heavy];
    assert.ok(Math.max(...levels) - Math.min(...levels) <= 1, `levels ${levels}`);
    assert.equal(placed.light + placed.medium + placed.heavy, 31);
  });
});
