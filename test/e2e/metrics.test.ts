// /metrics after real traffic through Switchyard (`npm start`'s entry): a WHIP publish and a WHEP
// play against a werift origin, an ffmpeg RTMP publish and play and an HLS playlist fetch against
// nginx-rtmp. promtool parses the exposition; each counter moved by what the traffic did.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { playFor, publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { type Child, waitFor } from '../helpers/processes.ts';
import { promtoolCheck, sampleValue } from '../helpers/prometheus.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';
import { type WebRtcClient, whepPlay, whipPublish } from '../helpers/werift-client.ts';
import { startWebRtcOrigin, type WebRtcOrigin } from '../helpers/werift-origin.ts';

let nginx: NginxOrigin;
let rtc: WebRtcOrigin;
let sy: SwitchyardProcess;
let publisher: Child | undefined;
const clients: WebRtcClient[] = [];

const scrape = async () => {
  const res = await fetch(`http://127.0.0.1:${sy.systemPort}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
};

before(async () => {
  [nginx, rtc, sy] = await Promise.all([startNginxRtmp(), startWebRtcOrigin(), startSwitchyard()]);
});

after(async () => {
  await publisher?.stop();
  for (const c of clients) await c.close().catch(() => {});
  await Promise.all([sy?.stop(), nginx?.stop(), rtc?.stop()]);
});

describe('metrics through Switchyard', () => {
  it('count RTMP, HLS and WHIP/WHEP traffic, registrations, routing and backends', async () => {
    const before = await scrape();
    const delta = (text: string, name: string, labels: Record<string, string> = {}) =>
      sampleValue(text, name, labels) - sampleValue(before, name, labels);

    // The WebRTC origin takes the WHIP/WHEP stream, then drains so the RTMP stream goes to nginx.
    const rtcBody = { ...originBody('werift', { rtmp: 1 }), api: [String(rtc.port)] };
    assert.equal((await register(sy.systemPort, rtcBody)).status, 200);
    const api = `http://127.0.0.1:${sy.apiPort}`;
    const whip = await whipPublish(`${api}/rtc/v1/whip/?app=live&stream=wcam`);
    clients.push(whip);
    const whep = await whepPlay(`${api}/rtc/v1/whep/?app=live&stream=wcam`);
    clients.push(whep);
    await waitFor('RTP at the WHEP player', async () => whep.rtpReceived() > 10, 15_000);
    const drained = await fetch(`http://127.0.0.1:${sy.systemPort}/api/v1/servers/werift/drain`, { method: 'POST' });
    assert.equal(drained.status, 200);
    assert.equal(
      (await register(sy.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort }))).status,
      200,
    );

    publisher = publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/mcam`, { seconds: 60 });
    // The publisher binds the stream; HLS and the player find the binding.
    await waitFor('the RTMP publisher to relay', async () => sy.process.output().includes('rtmp relay started'));
    await waitFor(
      'an HLS playlist through Switchyard',
      async () => (await fetch(`http://127.0.0.1:${sy.httpPort}/live/mcam.m3u8`)).status === 200,
      30_000,
    );
    const played = await playFor(`rtmp://127.0.0.1:${sy.rtmpPort}/live/mcam`, 2);
    assert.equal(played.code, 0, played.stderr);
    // The player's session has closed once its close line is logged.
    await waitFor('the RTMP player to close', async () => sy.process.output().includes('"reason":"client_gone"'));

    const text = await scrape();
    const verdict = await promtoolCheck(text);
    assert.equal(verdict.code, 0, verdict.output);

    // Data plane: publisher and player over RTMP, publisher and player over WebRTC.
    assert.equal(delta(text, 'switchyard_sessions_started_total', { protocol: 'rtmp' }), 2);
    assert.equal(delta(text, 'switchyard_sessions_ended_total', { protocol: 'rtmp', reason: 'client_gone' }), 1);
    assert.equal(sampleValue(text, 'switchyard_sessions_active', { protocol: 'rtmp' }), 1);
    assert.ok(delta(text, 'switchyard_sessions_started_total', { protocol: 'webrtc' }) >= 2);
    assert.ok(delta(text, 'switchyard_received_bytes_total', { protocol: 'rtmp' }) > 50_000, 'publisher bytes');
    assert.ok(delta(text, 'switchyard_sent_bytes_total', { protocol: 'rtmp' }) > 50_000, 'player bytes');
    assert.equal(delta(text, 'switchyard_time_to_first_media_seconds_count', { protocol: 'rtmp' }), 2);

    // Control plane.
    assert.equal(delta(text, 'switchyard_backend_registrations_total', { event: 'new' }), 2);
    assert.equal(delta(text, 'switchyard_route_decisions_total', { protocol: 'api', decision: 'new' }), 1);
    assert.equal(delta(text, 'switchyard_route_decisions_total', { protocol: 'api', decision: 'existing' }), 1);
    assert.equal(delta(text, 'switchyard_route_decisions_total', { protocol: 'rtmp', decision: 'new' }), 1);
    assert.ok(delta(text, 'switchyard_route_decisions_total', { protocol: 'rtmp', decision: 'existing' }) >= 1);
    assert.ok(delta(text, 'switchyard_route_decisions_total', { protocol: 'http', decision: 'existing' }) >= 1);
    assert.equal(delta(text, 'switchyard_control_requests_total', { kind: 'whip', status: '201' }), 1);
    assert.equal(delta(text, 'switchyard_control_requests_total', { kind: 'whep', status: '201' }), 1);
    assert.ok(delta(text, 'switchyard_control_requests_total', { kind: 'hls', status: '200' }) >= 1);
    assert.ok(delta(text, 'switchyard_store_request_duration_seconds_count', { operation: 'pickBackend' }) >= 5);

    // Backends.
    assert.equal(sampleValue(text, 'switchyard_backend_up', { backend: 'nginx' }), 1);
    assert.equal(sampleValue(text, 'switchyard_backend_draining', { backend: 'werift' }), 1);
    assert.equal(sampleValue(text, 'switchyard_backend_draining', { backend: 'nginx' }), 0);
    assert.ok(sampleValue(text, 'switchyard_backend_heartbeat_age_seconds', { backend: 'nginx' }) < 60);
  });
});
