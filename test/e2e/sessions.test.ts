// The sessions view across protocols, against real peers: a WHIP publisher and a WHEP player on
// a werift origin, an ffmpeg SRT publisher on an srt-live-transmit origin, an ffmpeg RTMP
// publisher and an HTTP-FLV player on Node-Media-Server. Each is listed with plausible bytes,
// kicked (close reason `deleted`), and counted in the bytes metrics; a draining node refuses a new
// WebRTC session while the live one goes on. Then the split deployment: a node announcing its
// admin URL to a control-plane process, which lists and kicks the node's sessions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SessionView } from '../../dataplane/session-view.ts';
import { publishTestStream } from '../helpers/ffmpeg.ts';
import { type NmsOrigin, startNodeMediaServer } from '../helpers/node-media-server.ts';
import { proxyPorts } from '../helpers/ports.ts';
import { type Child, startProcess, waitFor, waitForTcp } from '../helpers/processes.ts';
import { sampleValue } from '../helpers/prometheus.ts';
import { type SrtIngestOrigin, srtOriginBody, startSrtIngestOrigin } from '../helpers/srt-origin.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';
import { type WebRtcClient, whepPlay, whipPublish } from '../helpers/werift-client.ts';
import { startWebRtcOrigin, type WebRtcOrigin } from '../helpers/werift-origin.ts';

/** One session as the view lists it; through the control plane it names its node. */
type Listed = SessionView & { node?: string };

let nms: NmsOrigin;
let rtc: WebRtcOrigin;
let srt: SrtIngestOrigin;
let sy: SwitchyardProcess;
const children: Child[] = [];
const clients: WebRtcClient[] = [];

const system = (port: number, path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, init);

async function sessionsOf(port: number): Promise<Listed[]> {
  const res = await system(port, '/api/v1/sessions');
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: { sessions: Listed[] } }).data.sessions;
}

/** The close reason of session `id`'s one close line, once it is logged. */
function closedWith(output: string, id: string): string | undefined {
  const line = output.split('\n').find((l) => l.includes(`"cid":"${id}"`) && /(session|stream) closed/.test(l));
  return line ? (JSON.parse(line) as { reason: string }).reason : undefined;
}

/** Streams into nothing; resolves with the bytes read once the server ends it. */
async function httpFlvPlay(url: string): Promise<{ bytes: () => number; ended: Promise<void> }> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  let bytes = 0;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        bytes += value.length;
      }
    } catch {
      // the proxy cut the connection: that is the end we wait for
    }
  })();
  return { bytes: () => bytes, ended };
}

before(async () => {
  [nms, rtc, srt, sy] = await Promise.all([
    startNodeMediaServer(),
    startWebRtcOrigin(),
    startSrtIngestOrigin(),
    startSwitchyard(),
  ]);
});

after(async () => {
  for (const c of children) await c.stop();
  for (const c of clients) await c.close().catch(() => {});
  await Promise.all([sy?.stop(), nms?.stop(), rtc?.stop(), srt?.stop()]);
});

describe('sessions of every protocol', () => {
  it('lists RTMP, HTTP-FLV, SRT and WebRTC sessions with their bytes and kicks each', async () => {
    const port = sy.systemPort;
    // Each origin takes its stream, then drains, so the next stream binds to the next origin.
    assert.equal((await register(port, { ...originBody('werift', { rtmp: 1 }), api: [String(rtc.port)] })).status, 200);
    const api = `http://127.0.0.1:${sy.apiPort}`;
    const whip = await whipPublish(`${api}/rtc/v1/whip/?app=live&stream=wcam`);
    clients.push(whip);
    const whep = await whepPlay(`${api}/rtc/v1/whep/?app=live&stream=wcam`);
    clients.push(whep);
    await waitFor('RTP at the WHEP player', async () => whep.rtpReceived() > 10, 15_000);
    assert.equal((await system(port, '/api/v1/servers/werift/drain', { method: 'POST' })).status, 200);

    assert.equal((await register(port, srtOriginBody('srt', srt.srtPort))).status, 200);
    children.push(
      publishTestStream(`srt://127.0.0.1:${sy.srtPort}?streamid=#!::r=live/scam,m=publish`, {
        seconds: 60,
        format: 'mpegts',
      }),
    );
    await waitFor('SRT bytes at the origin', async () => srt.bytes().length > 50_000, 15_000);
    assert.equal((await system(port, '/api/v1/servers/srt/drain', { method: 'POST' })).status, 200);

    assert.equal((await register(port, originBody('nms', { rtmp: nms.rtmpPort, http: nms.httpPort }))).status, 200);
    children.push(publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/rcam`, { seconds: 60 }));
    await waitFor('the RTMP publisher to relay', async () => sy.process.output().includes('rtmp relay started'));
    const flv = await waitFor('an HTTP-FLV player', async () => {
      const player = await httpFlvPlay(`http://127.0.0.1:${sy.httpPort}/live/rcam.flv`).catch(() => undefined);
      return player;
    });
    await waitFor('FLV bytes at the player', async () => flv.bytes() > 20_000, 15_000);

    const sessions = await waitFor('a session of each kind with bytes', async () => {
      const list = await sessionsOf(port);
      const find = (protocol: string, kind: string) =>
        list.find((s) => s.protocol === protocol && s.kind === kind && s.bytesIn + s.bytesOut > 10_000);
      const found = [
        find('webrtc', 'publish'),
        find('webrtc', 'play'),
        find('srt', 'publish'),
        find('rtmp', 'publish'),
        find('http', 'play'),
      ];
      return found.every(Boolean) ? (found as Listed[]) : undefined;
    });
    const [rtcPub, rtcPlay, srtPub, rtmpPub, flvPlay] = sessions as [Listed, Listed, Listed, Listed, Listed];
    assert.deepEqual(
      sessions.map((s) => [s.stream, s.backend]),
      [
        ['__defaultVhost__/live/wcam', 'werift'],
        ['__defaultVhost__/live/wcam', 'werift'],
        ['__defaultVhost__/live/scam', 'srt'],
        ['__defaultVhost__/live/rcam', 'nms'],
        ['__defaultVhost__/live/rcam', 'nms'],
      ],
    );
    // Publishers send, players receive; the HTTP player's bytes match what it read (within a scrape's lag).
    for (const s of [rtcPub, srtPub, rtmpPub]) assert.ok(s.bytesIn > s.bytesOut, JSON.stringify(s));
    assert.ok(flvPlay.bytesOut > flvPlay.bytesIn && flvPlay.bytesOut >= flv.bytes() * 0.5, JSON.stringify(flvPlay));
    assert.ok(rtcPlay.bytesOut > 10_000, JSON.stringify(rtcPlay));
    for (const s of sessions) assert.match(s.client, /^127\.0\.0\.1:\d+$/);

    const metrics = await (await system(port, '/metrics')).text();
    // An HTTP player sends nothing after its request; the others' publishers do.
    for (const protocol of ['rtmp', 'srt', 'webrtc'])
      assert.ok(sampleValue(metrics, 'switchyard_received_bytes_total', { protocol }) > 10_000, protocol);
    assert.ok(sampleValue(metrics, 'switchyard_sent_bytes_total', { protocol: 'http' }) >= flvPlay.bytesOut, 'http');
    assert.ok(sampleValue(metrics, 'switchyard_sent_bytes_total', { protocol: 'webrtc' }) >= rtcPlay.bytesOut);

    // A draining node refuses a new WebRTC session; the live ones go on; undone, it accepts again.
    assert.equal((await system(port, '/api/v1/node/drain', { method: 'POST' })).status, 200);
    assert.equal((await system(port, '/api/v1/servers/werift/drain', { method: 'DELETE' })).status, 200);
    // Signalling succeeds (the control plane), but ICE through this node never connects.
    await assert.rejects(whepPlay(`${api}/rtc/v1/whep/?app=live&stream=wcam`), /not connected/);
    assert.match(sy.process.output(), /"msg":"webrtc datagram dropped"[^\n]*"detail":"this node is draining/);
    const rtcSessions = (await sessionsOf(port)).filter((s) => s.protocol === 'webrtc');
    assert.equal(rtcSessions.length, 2, 'only the two live WebRTC sessions');
    const beforeRtp = whep.rtpReceived();
    await waitFor('the live WHEP player still receives', async () => whep.rtpReceived() > beforeRtp + 10);
    assert.equal((await system(port, '/api/v1/node/drain', { method: 'DELETE' })).status, 200);
    const again = await whepPlay(`${api}/rtc/v1/whep/?app=live&stream=wcam`);
    clients.push(again);
    await waitFor('RTP at a WHEP player once the drain is undone', async () => again.rtpReceived() > 10, 15_000);

    for (const s of sessions) {
      assert.equal((await system(port, `/api/v1/sessions/${s.id}`, { method: 'DELETE' })).status, 200, s.id);
    }
    await waitFor('every kicked session closed with reason deleted', async () =>
      sessions.every((s) => closedWith(sy.process.output(), s.id) === 'deleted'),
    );
    await flv.ended;
    const left = new Set((await sessionsOf(port)).map((s) => s.id));
    for (const s of sessions) assert.ok(!left.has(s.id), `${s.id} is gone`);
    assert.equal((await system(port, `/api/v1/sessions/${rtmpPub.id}`, { method: 'DELETE' })).status, 404);
  });
});

describe('sessions across nodes (split deployment)', () => {
  it('the control plane lists a node sessions through its admin URL and kicks one there', async () => {
    const { ports, env } = await proxyPorts();
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const token = 'sessions-test-token';
    const control = startProcess(process.execPath, ['--import', 'tsx', 'process/control-main.ts'], {
      cwd: root,
      env: { ...process.env, ...env, PROXY_LOG_LEVEL: 'info', PROXY_CONTROL_TOKEN: token },
    });
    children.push(control);
    await waitForTcp(ports.system, 20_000, control);
    const auth = { authorization: `Bearer ${token}` };
    const node = await startSwitchyard((own) => ({
      PROXY_CONTROL_URL: `http://127.0.0.1:${ports.system}`,
      PROXY_CONTROL_TOKEN: token,
      PROXY_NODE_ID: 'node-a',
      PROXY_NODE_ADMIN_URL: `http://127.0.0.1:${own.system}`,
    }));
    try {
      const reg = await fetch(`http://127.0.0.1:${ports.system}/api/v1/srs/register`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(originBody('nms', { rtmp: nms.rtmpPort, http: nms.httpPort })),
      });
      assert.equal(reg.status, 200);
      const pub = publishTestStream(`rtmp://127.0.0.1:${node.rtmpPort}/live/split`, { seconds: 60 });
      children.push(pub);
      const listAll = async () => {
        const res = await fetch(`http://127.0.0.1:${ports.system}/api/v1/sessions`, { headers: auth });
        assert.equal(res.status, 200);
        return ((await res.json()) as { data: { sessions: Listed[]; nodes: Array<{ node: string; ok: boolean }> } })
          .data;
      };
      const listed = await waitFor('the node publisher through the control plane', async () => {
        const data = await listAll();
        return data.sessions.find((s) => s.kind === 'publish' && s.bytesIn > 10_000) ? data : undefined;
      });
      assert.deepEqual(listed.nodes, [{ node: 'node-a', ok: true }]);
      const publisher = listed.sessions.find((s) => s.kind === 'publish') as Listed;
      assert.deepEqual([publisher.node, publisher.protocol, publisher.backend], ['node-a', 'rtmp', 'nms']);
      const unauthorized = await fetch(`http://127.0.0.1:${ports.system}/api/v1/sessions`);
      assert.equal(unauthorized.status, 401);

      const kick = await fetch(`http://127.0.0.1:${ports.system}/api/v1/sessions/${publisher.id}`, {
        method: 'DELETE',
        headers: auth,
      });
      assert.equal(kick.status, 200);
      assert.equal(((await kick.json()) as { data: { node: string } }).data.node, 'node-a');
      await waitFor(
        'the publisher closed with reason deleted on the node',
        async () => closedWith(node.process.output(), publisher.id) === 'deleted',
      );
      const again = await fetch(`http://127.0.0.1:${ports.system}/api/v1/sessions/${publisher.id}`, {
        method: 'DELETE',
        headers: auth,
      });
      assert.equal(again.status, 404);

      // A node that stops answering is reported, not fatal.
      await node.stop();
      const data = await listAll();
      assert.deepEqual(data.sessions, []);
      assert.equal(data.nodes[0]?.ok, false);
    } finally {
      await node.stop();
    }
  });
});
