// RTMP publish/play and HTTP-FLV through Switchyard (`npm start`'s entry) to two real origins:
// nginx-rtmp and Node-Media-Server, with ffmpeg/ffprobe as clients.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { playFor, probe, probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { type NmsOrigin, startNodeMediaServer } from '../helpers/node-media-server.ts';
import type { Child } from '../helpers/processes.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard, streamBoundTo } from '../helpers/switchyard.ts';

let nginx: NginxOrigin;
let nms: NmsOrigin;
let sy: SwitchyardProcess;
const publishers: Child[] = [];
let onNginx: string;
let onNms: string;

before(async () => {
  [nginx, nms, sy] = await Promise.all([startNginxRtmp(), startNodeMediaServer(), startSwitchyard()]);
  assert.equal(
    (await register(sy.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort }))).status,
    200,
  );
  assert.equal(
    (await register(sy.systemPort, originBody('nms', { rtmp: nms.rtmpPort, http: nms.httpPort }))).status,
    200,
  );
  onNginx = await streamBoundTo(sy.systemPort, 'nginx', 'a');
  onNms = await streamBoundTo(sy.systemPort, 'nms', 'b');
  publishers.push(publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${onNginx}`, { seconds: 120 }));
  publishers.push(publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${onNms}?secret=s1`, { seconds: 120 }));
});

after(async () => {
  await Promise.all(publishers.map((p) => p.stop()));
  await Promise.all([sy?.stop(), nginx?.stop(), nms?.stop()]);
});

describe('RTMP and HTTP-FLV through Switchyard to two origins', () => {
  it('plays the nginx-bound stream over RTMP through Switchyard, and it really is on nginx', async () => {
    const viaProxy = await probeUntilAv(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${onNginx}`);
    assert.deepEqual(viaProxy.codecs, ['aac', 'h264'], viaProxy.stderr + sy.process.output().slice(-2000));
    const direct = await probeUntilAv(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/${onNginx}`);
    assert.deepEqual(direct.codecs, ['aac', 'h264']);
  });

  it('plays the NMS-bound stream over RTMP and HTTP-FLV through Switchyard', async () => {
    const rtmp = await probeUntilAv(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${onNms}`);
    assert.deepEqual(rtmp.codecs, ['aac', 'h264'], rtmp.stderr);
    const flv = await probeUntilAv(`http://127.0.0.1:${sy.httpPort}/live/${onNms}.flv`);
    assert.deepEqual(
      flv.codecs.filter((c) => c !== 'unknown'),
      ['aac', 'h264'],
      flv.stderr,
    );
    const direct = await probeUntilAv(`http://127.0.0.1:${nms.httpPort}/live/${onNms}.flv`);
    assert.deepEqual(
      direct.codecs.filter((c) => c !== 'unknown'),
      ['aac', 'h264'],
    );
  });

  it('decodes 4 s of the relayed RTMP stream without errors', async () => {
    const result = await playFor(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${onNginx}`, 4);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.trim(), '');
  });

  it('passes the backend status and headers of HTTP streams, with CORS', async () => {
    // nginx has no HTTP-FLV: its 404 must reach the client as a 404.
    const missing = await fetch(`http://127.0.0.1:${sy.httpPort}/live/${onNginx}.flv`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('access-control-allow-origin'), '*');
    await missing.arrayBuffer();
    const controller = new AbortController();
    const live = await fetch(`http://127.0.0.1:${sy.httpPort}/live/${onNms}.flv`, { signal: controller.signal });
    assert.equal(live.status, 200);
    const directController = new AbortController();
    const direct = await fetch(`http://127.0.0.1:${nms.httpPort}/live/${onNms}.flv`, {
      signal: directController.signal,
    });
    assert.equal(live.headers.get('content-type'), direct.headers.get('content-type'));
    assert.equal(live.headers.get('x-powered-by'), direct.headers.get('x-powered-by'));
    directController.abort();
    const reader = live.body!.getReader();
    const first = await reader.read();
    assert.equal(Buffer.from(first.value!).subarray(0, 3).toString(), 'FLV');
    controller.abort();
    const preflight = await fetch(`http://127.0.0.1:${sy.httpPort}/live/${onNms}.flv`, { method: 'OPTIONS' });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  });

  it('answers a stream request with no usable path with a 4xx, not a crash', async () => {
    const res = await fetch(`http://127.0.0.1:${sy.httpPort}/nostream.flv`);
    assert.equal(res.status, 404);
    await res.arrayBuffer();
    const traversal = await fetch(`http://127.0.0.1:${sy.httpPort}/live/..%2f..%2fetc/passwd.flv`);
    assert.equal(traversal.status, 400);
    await traversal.arrayBuffer();
    const probeBad = await probe(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${onNginx}`, 8);
    assert.deepEqual(probeBad.codecs, ['aac', 'h264']);
  });
});
