// WHIP publish and WHEP play through Switchyard (`npm start`'s entry): werift peers on both
// sides, signalling through the control plane, media through the UDP relay.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket } from 'werift';
import { waitFor } from '../helpers/processes.ts';
import { register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';
import { type WebRtcClient, whepPlay, whipPublish } from '../helpers/werift-client.ts';
import { LOOPBACK_ICE, startWebRtcOrigin, type WebRtcOrigin } from '../helpers/werift-origin.ts';

let origin: WebRtcOrigin;
let sy: SwitchyardProcess;
const clients: WebRtcClient[] = [];

before(async () => {
  [origin, sy] = await Promise.all([startWebRtcOrigin(), startSwitchyard()]);
  const res = await register(sy.systemPort, {
    ip: '127.0.0.1',
    server: 'werift-origin',
    service: 's1',
    pid: '1',
    rtmp: ['1935'],
    api: [String(origin.port)],
  });
  assert.equal(res.status, 200);
});

after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await sy?.stop();
  await origin?.stop();
});

describe('WebRTC through Switchyard', () => {
  it('relays RTP from a WHIP publisher to the origin and from the origin to a WHEP player', async () => {
    const api = `http://127.0.0.1:${sy.apiPort}`;
    const publisher = await whipPublish(`${api}/rtc/v1/whip/?app=live&stream=cam`);
    clients.push(publisher);
    // The answer points the client at Switchyard's UDP port, not the origin.
    const candidates = publisher.answer.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
    assert.equal(candidates.length, 1);
    assert.match(candidates[0]!, / 127\.0\.0\.1 \d+ typ host/);
    assert.match(publisher.location, /^\/rtc\/v1\/resource\//);
    await waitFor('RTP at the origin', async () => (origin.received.get('live/cam') ?? 0) > 20, 15_000);

    const player = await whepPlay(`${api}/rtc/v1/whep/?app=live&stream=cam`);
    clients.push(player);
    await waitFor('RTP at the player', async () => player.rtpReceived() > 20, 15_000);
    // Everything counted came from this publisher, through the relay both ways.
    assert.ok(
      player.rtpReceived() <= publisher.rtpSent(),
      `${player.rtpReceived()} played, ${publisher.rtpSent()} sent`,
    );
  });

  it('DELETE on the resource ends the session at the origin and in the relay', async () => {
    const api = `http://127.0.0.1:${sy.apiPort}`;
    const player = await whepPlay(`${api}/rtc/v1/whep/?app=live&stream=cam`);
    const before = origin.sessions.size;
    const res = await fetch(`${api}${player.location}`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal(origin.sessions.size, before - 1);
    assert.equal(origin.deleted.length, 1);
    await player.close();
    const deleted = () =>
      sy.process
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; reason?: string })
        .some((l) => l.msg === 'webrtc session closed' && l.reason === 'deleted');
    await waitFor('relay session closed', async () => deleted(), 5000).catch(() => {
      throw new Error(sy.process.output().slice(-3000));
    });
  });

  it("publishes through SRS's legacy JSON API as well", async () => {
    const api = `http://127.0.0.1:${sy.apiPort}`;
    const pc = new RTCPeerConnection({ ...LOOPBACK_ICE } as never);
    const track = new MediaStreamTrack({ kind: 'video' });
    pc.addTransceiver(track, { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const res = await fetch(`${api}/rtc/v1/publish/`, {
      method: 'POST',
      body: JSON.stringify({ sdp: pc.localDescription?.sdp, streamurl: 'webrtc://127.0.0.1/live/legacy' }),
    });
    assert.equal(res.status, 200);
    const reply = (await res.json()) as { code: number; sdp: string };
    assert.equal(reply.code, 0);
    assert.match(reply.sdp, new RegExp(` 127\\.0\\.0\\.1 ${sy.webrtcPort} typ host`));
    await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
    const timer = setInterval(() => {
      track.writeRtp(
        new RtpPacket(
          new RtpHeader({ sequenceNumber: Date.now() & 0xffff, payloadType: 96, ssrc: 77, marker: true }),
          Buffer.alloc(200),
        ),
      );
    }, 20);
    try {
      await waitFor('RTP at the origin', async () => (origin.received.get('live/legacy') ?? 0) > 10, 15_000);
    } finally {
      clearInterval(timer);
      await pc.close();
    }
  });

  it('answers signalling errors with clear statuses', async () => {
    const api = `http://127.0.0.1:${sy.apiPort}`;
    const wrongType = await fetch(`${api}/rtc/v1/whip/?app=live&stream=x`, {
      method: 'POST',
      body: 'v=0',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(wrongType.status, 415);
    const notSdp = await fetch(`${api}/rtc/v1/whip/?app=live&stream=x`, {
      method: 'POST',
      body: 'hello',
      headers: { 'content-type': 'application/sdp' },
    });
    assert.equal(notSdp.status, 400);
    const huge = await fetch(`${api}/rtc/v1/whip/?app=live&stream=x`, {
      method: 'POST',
      body: `v=0\r\n${'a=x\r\n'.repeat(20_000)}`,
      headers: { 'content-type': 'application/sdp' },
    });
    assert.equal(huge.status, 413);
    const preflight = await fetch(`${api}/rtc/v1/whip/`, { method: 'OPTIONS' });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-expose-headers') ?? '', /location/);
    const patch = await fetch(`${api}/rtc/v1/resource/abc`, { method: 'PATCH' });
    assert.equal(patch.status, 405);
    // Unsigned or garbage resource tokens name no session.
    const bogus = await fetch(`${api}/rtc/v1/resource/!!!`, { method: 'DELETE' });
    assert.equal(bogus.status, 404);
    for (const r of [wrongType, notSdp, huge, patch, bogus]) await r.arrayBuffer().catch(() => {});
  });
});
