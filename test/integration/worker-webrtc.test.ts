// The distributed deployment: WHIP/WHEP signalling on the control plane inside workerd (Upstash
// store), media through a data-plane node in another process that announced itself to the
// control plane and learned each session from it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Miniflare } from 'miniflare';
import { waitFor } from '../helpers/processes.ts';
import { startUpstash, type UpstashFixture } from '../helpers/redis.ts';
import { type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';
import { type WebRtcClient, whepPlay, whipPublish } from '../helpers/werift-client.ts';
import { startWebRtcOrigin, type WebRtcOrigin } from '../helpers/werift-origin.ts';
import { startWorker } from '../helpers/workerd.ts';

const TOKEN = 'node-token-123456';
let upstash: UpstashFixture;
let worker: Miniflare;
let workerUrl: string;
let origin: WebRtcOrigin;
let node: SwitchyardProcess;
const clients: WebRtcClient[] = [];

before(async () => {
  [upstash, origin] = await Promise.all([startUpstash(), startWebRtcOrigin()]);
  worker = await startWorker({
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: upstash.token,
    PROXY_REDIS_KEY_PREFIX: `rtc${Date.now().toString(36)}`,
    PROXY_CONTROL_TOKEN: TOKEN,
    PROXY_LOG_LEVEL: 'warn',
  });
  workerUrl = (await worker.ready).origin;
  const reg = await fetch(`${workerUrl}/api/v1/srs/register`, {
    method: 'POST',
    body: JSON.stringify({
      ip: '127.0.0.1',
      server: 'werift',
      service: 's',
      pid: '1',
      rtmp: ['1935'],
      api: [String(origin.port)],
    }),
  });
  assert.equal(reg.status, 200);
  node = await startSwitchyard({
    PROXY_CONTROL_URL: workerUrl,
    PROXY_CONTROL_TOKEN: TOKEN,
    PROXY_WEBRTC_CANDIDATE: '127.0.0.1',
    PROXY_NODE_ID: 'node-a',
  });
  await waitFor(
    'node announced to the control plane',
    async () => {
      const res = await fetch(`${workerUrl}/api/v1/nodes`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await res.json()) as { data: { nodes: Array<{ id: string; rtcPort: number }> } };
      return body.data.nodes.some((n) => n.id === 'node-a' && n.rtcPort === node.webrtcPort);
    },
    15_000,
  );
});

after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await node?.stop();
  await worker?.dispose();
  await Promise.all([origin?.stop(), upstash?.close()]);
});

describe('WebRTC across workerd signalling and a separate data-plane node', () => {
  it('publishes and plays RTP with media through the announced node', async () => {
    const publisher = await whipPublish(`${workerUrl}/rtc/v1/whip/?app=live&stream=dist`);
    clients.push(publisher);
    const candidate = publisher.answer.split('\r\n').find((l) => l.startsWith('a=candidate:'));
    assert.ok(candidate?.includes(` 127.0.0.1 ${node.webrtcPort} typ host`), candidate);
    await waitFor('RTP at the origin', async () => (origin.received.get('live/dist') ?? 0) > 20, 15_000);
    const player = await whepPlay(`${workerUrl}/rtc/v1/whep/?app=live&stream=dist`);
    clients.push(player);
    await waitFor('RTP at the player', async () => player.rtpReceived() > 20, 15_000);
    // Everything counted came from this publisher, through the relay both ways.
    assert.ok(
      player.rtpReceived() <= publisher.rtpSent(),
      `${player.rtpReceived()} played, ${publisher.rtpSent()} sent`,
    );
    assert.match(node.process.output(), /webrtc session started/);
  });
});
