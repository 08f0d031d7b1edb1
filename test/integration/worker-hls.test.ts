// HLS served by the control plane inside workerd with the Upstash store: the playlist from one
// instance, its segments from another, byte-identical to what the nginx-rtmp origin wrote.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Miniflare } from 'miniflare';
import { probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { type Child, waitFor } from '../helpers/processes.ts';
import { startUpstash, type UpstashFixture } from '../helpers/redis.ts';
import { originBody } from '../helpers/switchyard.ts';
import { startWorker } from '../helpers/workerd.ts';

let upstash: UpstashFixture;
let nginx: NginxOrigin;
let publisher: Child;
let a: Miniflare;
let b: Miniflare;
const STREAM = 'edgecam';

before(async () => {
  [upstash, nginx] = await Promise.all([startUpstash(), startNginxRtmp()]);
  const bindings = {
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: upstash.token,
    PROXY_REDIS_KEY_PREFIX: `hls${Date.now().toString(36)}`,
    PROXY_LOG_LEVEL: 'warn',
  };
  [a, b] = await Promise.all([startWorker(bindings), startWorker(bindings)]);
  const res = await a.dispatchFetch('http://sy.test/api/v1/srs/register', {
    method: 'POST',
    body: JSON.stringify(originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort })),
  });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  publisher = publishTestStream(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/${STREAM}`, { seconds: 120 });
  await waitFor(
    'HLS segments',
    async () => {
      const r = await fetch(`http://127.0.0.1:${nginx.httpPort}/live/${STREAM}.m3u8`);
      return r.status === 200 && (await r.text()).split('\n').filter((l) => l.endsWith('.ts')).length >= 3;
    },
    30_000,
  );
});

after(async () => {
  await publisher?.stop();
  await Promise.all([a?.dispose(), b?.dispose()]);
  await Promise.all([upstash?.close(), nginx?.stop()]);
});

describe('HLS on the control plane in workerd', () => {
  it('serves the playlist from one instance and its segments from another', async () => {
    const playlist = await a.dispatchFetch(`http://127.0.0.1/live/${STREAM}.m3u8`);
    assert.equal(playlist.status, 200);
    const text = await playlist.text();
    const segments = text.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.ok(segments.length >= 3, text);
    for (const uri of segments) {
      const seg = await b.dispatchFetch(`http://127.0.0.1${uri}`);
      assert.equal(seg.status, 200, uri);
      const body = Buffer.from(await seg.arrayBuffer());
      const file = readFileSync(join(nginx.hlsDir, uri.slice('/live/'.length, uri.indexOf('?'))));
      assert.ok(body.equals(file), `${uri} differs`);
    }
  });

  it('plays with ffprobe through a workerd instance', async () => {
    const url = await a.ready;
    const result = await probeUntilAv(`${url.origin}/live/${STREAM}.m3u8`);
    assert.deepEqual(result.codecs, ['aac', 'h264'], result.stderr);
  });
});
