// WebRTC across workerd signalling (under Cloudflare's production fetch rules, the outbound guard)
// and a separate data-plane node: offers, answers and DELETEs reach an origin registered by IP
// through the node's gateway, and one registered with a public API name directly; media always
// flows through the node the answer's candidate names.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EdgeDeployment, startEdge } from '../helpers/edge-deployment.ts';
import { waitFor } from '../helpers/processes.ts';
import { type WebRtcClient, whepPlay, whipPublish } from '../helpers/werift-client.ts';
import { startWebRtcOrigin, type WebRtcOrigin } from '../helpers/werift-origin.ts';

let edge: EdgeDeployment;
let byIp: WebRtcOrigin;
let byName: WebRtcOrigin;
const clients: WebRtcClient[] = [];
const streams = { viaNode: '', direct: '' };
/** The second origin's API port under a public name (a Cloudflare Tunnel hostname in production). */
const ORIGIN_API = { name: 'origin-api.test', port: 2052 };

before(async () => {
  [edge, byIp, byName] = await Promise.all([startEdge(), startWebRtcOrigin(), startWebRtcOrigin()]);
  const common = { ip: '127.0.0.1', service: 's', pid: '1', rtmp: ['1935'] };
  await edge.register({ ...common, server: 'rtc-by-ip', api: [String(byIp.port)] });
  await edge.register({
    ...common,
    server: 'rtc-by-name',
    api: [String(byName.port)],
    public_urls: { api: `http://${ORIGIN_API.name}:${ORIGIN_API.port}` },
  });
  edge.guard.map(ORIGIN_API.name, ORIGIN_API.port, byName.port);
  streams.viaNode = await edge.streamOn('rtc-by-ip', 'gw', 'api');
  streams.direct = await edge.streamOn('rtc-by-name', 'dr', 'api');
});

after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await edge?.stop();
  await Promise.all([byIp?.stop(), byName?.stop()]);
});

/** What the Worker fetched since `from`, the store's traffic left out. */
const originFetches = (from: number) => edge.guard.fetched.slice(from).filter((f) => !f.includes('upstash.test'));

async function publishPlayDelete(stream: string, origin: WebRtcOrigin, reach: RegExp): Promise<void> {
  const from = edge.guard.fetched.length;
  const publisher = await whipPublish(`${edge.url}/rtc/v1/whip/?app=live&stream=${stream}`);
  clients.push(publisher);
  const candidate = publisher.answer.split('\r\n').find((l) => l.startsWith('a=candidate:'));
  assert.ok(candidate?.includes(` 127.0.0.1 ${edge.node.webrtcPort} typ host`), candidate);
  await waitFor('RTP at the origin', async () => (origin.received.get(`live/${stream}`) ?? 0) > 20, 15_000);
  const player = await whepPlay(`${edge.url}/rtc/v1/whep/?app=live&stream=${stream}`);
  clients.push(player);
  await waitFor('RTP at the player', async () => player.rtpReceived() > 20, 15_000);
  assert.ok(player.rtpReceived() <= publisher.rtpSent(), `${player.rtpReceived()} played, ${publisher.rtpSent()}`);

  const sessions = origin.sessions.size;
  const res = await fetch(new URL(player.location, edge.url), { method: 'DELETE' });
  assert.equal(res.status, 200, await res.text());
  assert.equal(origin.sessions.size, sessions - 1);
  assert.equal(origin.deleted.length, 1);

  const made = originFetches(from);
  assert.deepEqual(
    made.map((f) => f.split(' ')[0]),
    ['POST', 'POST', 'DELETE'],
    made.join('\n'),
  );
  for (const f of made) assert.match(f, reach);
  assert.deepEqual(edge.guard.refused, []);
}

describe('WebRTC signalling through the Worker under production fetch rules', () => {
  it('reaches an origin registered by IP through the node gateway: WHIP, WHEP, DELETE', async () => {
    await publishPlayDelete(streams.viaNode, byIp, /^\w+ http:\/\/node-a\.test:8080\/sy-gateway\/rtc\/v1\/wh[ie]p\//);
    assert.match(edge.node.process.output(), /webrtc session started/);
  });

  it('reaches an origin registered with a public API name directly: WHIP, WHEP, DELETE', async () => {
    await publishPlayDelete(streams.direct, byName, /^\w+ http:\/\/origin-api\.test:2052\/rtc\/v1\/wh[ie]p\//);
  });

  it("plays through SRS's legacy JSON API through the node gateway", async () => {
    const from = edge.guard.fetched.length;
    const offer = await whepOffer();
    const res = await fetch(`${edge.url}/rtc/v1/play/`, {
      method: 'POST',
      body: JSON.stringify({ sdp: offer, streamurl: `webrtc://127.0.0.1/live/${streams.viaNode}` }),
    });
    const body = (await res.json()) as { code: number; sdp: string };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.code, 0);
    assert.ok(body.sdp.includes(` 127.0.0.1 ${edge.node.webrtcPort} typ host`), body.sdp);
    assert.deepEqual(originFetches(from), [`POST http://node-a.test:8080/sy-gateway/rtc/v1/play/`]);
    assert.deepEqual(edge.guard.refused, []);
  });
});

/** An offer as a WHEP player makes one (legacy clients send the same SDP inside JSON). */
async function whepOffer(): Promise<string> {
  const { RTCPeerConnection } = await import('werift');
  const { LOOPBACK_ICE } = await import('../helpers/werift-origin.ts');
  const pc = new RTCPeerConnection({ ...LOOPBACK_ICE } as never);
  pc.addTransceiver('video', { direction: 'recvonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const sdp = pc.localDescription?.sdp ?? '';
  await pc.close();
  return sdp;
}
