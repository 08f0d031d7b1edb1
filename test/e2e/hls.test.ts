// HLS through Switchyard (`npm start`'s entry): ffmpeg publishes over RTMP through Switchyard to
// nginx-rtmp, which writes HLS; players fetch the playlist and segments through Switchyard.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { type Child, waitFor } from '../helpers/processes.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';

let nginx: NginxOrigin;
let sy: SwitchyardProcess;
let publisher: Child;
const STREAM = 'hlscam';

before(async () => {
  [nginx, sy] = await Promise.all([startNginxRtmp(), startSwitchyard()]);
  await register(sy.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort }));
  publisher = publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${STREAM}`, { seconds: 120 });
  await waitFor(
    'HLS playlist with 3 segments',
    async () => {
      const res = await fetch(`http://127.0.0.1:${nginx.httpPort}/live/${STREAM}.m3u8`);
      const text = await res.text();
      return res.status === 200 && text.split('\n').filter((l) => l.endsWith('.ts')).length >= 3;
    },
    30_000,
  );
});

after(async () => {
  await publisher?.stop();
  await Promise.all([sy?.stop(), nginx?.stop()]);
});

describe('HLS through Switchyard', () => {
  it('ffprobe reads H.264 and AAC from the proxied playlist', async () => {
    const result = await probeUntilAv(`http://127.0.0.1:${sy.httpPort}/live/${STREAM}.m3u8`);
    assert.deepEqual(result.codecs, ['aac', 'h264'], result.stderr);
  });

  it('serves a rewritten playlist whose every segment is byte-identical to the origin file', async () => {
    const res = await fetch(`http://127.0.0.1:${sy.httpPort}/live/${STREAM}.m3u8`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const text = await res.text();
    const segments = text.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.ok(segments.length >= 3);
    for (const uri of segments) {
      // The marker names the backend, signed for exactly this path.
      assert.match(uri, /^\/live\/hlscam-\d+\.ts\?sy_b=nginx\.[\w-]{22}$/);
      const seg = await fetch(`http://127.0.0.1:${sy.httpPort}${uri}`);
      assert.equal(seg.status, 200);
      const body = Buffer.from(await seg.arrayBuffer());
      const file = readFileSync(join(nginx.hlsDir, uri.slice('/live/'.length, uri.indexOf('?'))));
      assert.ok(body.equals(file), `${uri} differs from the origin's file`);
      assert.equal(seg.headers.get('content-length'), String(file.length));
    }
  });

  it('keeps backend errors as statuses without leaking addresses', async () => {
    const playlist = await (await fetch(`http://127.0.0.1:${sy.httpPort}/live/${STREAM}.m3u8`)).text();
    const segment = playlist.split('\n').find((l) => l.startsWith('/live/')) ?? '';
    // The origin loses a segment its playlist named: its 404 comes through, without its address.
    rmSync(join(nginx.hlsDir, segment.slice('/live/'.length, segment.indexOf('?'))));
    const missing = await fetch(`http://127.0.0.1:${sy.httpPort}${segment}`);
    assert.equal(missing.status, 404);
    const body = await missing.text();
    assert.ok(!body.includes('127.0.0.1') && !body.includes(String(nginx.httpPort)), body);
    const unknownBackend = await fetch(`http://127.0.0.1:${sy.httpPort}/live/x-1.ts?sy_b=not-registered`);
    assert.equal(unknownBackend.status, 404);
    await unknownBackend.arrayBuffer();
    // A real marker on another path (the origin's API) reaches nothing.
    const marker = segment.slice(segment.indexOf('sy_b='));
    const api = await fetch(`http://127.0.0.1:${sy.httpPort}/api/v1/clients/?${marker}`);
    assert.equal(api.status, 404);
    await api.arrayBuffer();
    const noPlaylist = await fetch(`http://127.0.0.1:${sy.httpPort}/live/never-published.m3u8`);
    assert.equal(noPlaylist.status, 404);
    await noPlaylist.arrayBuffer();
  });
});
