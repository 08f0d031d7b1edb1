// A frozen store (the Upstash REST server SIGSTOPped: connections accepted, nothing answered)
// gives every protocol a bounded, clear error, while a stream already playing keeps flowing.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { playFor, probe, probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import type { Child } from '../helpers/processes.ts';
import { startUpstash, type UpstashFixture } from '../helpers/redis.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';

let upstash: UpstashFixture;
let nginx: NginxOrigin;
let sy: SwitchyardProcess;
let publisher: Child;

before(async () => {
  [upstash, nginx] = await Promise.all([startUpstash(), startNginxRtmp()]);
  sy = await startSwitchyard({
    PROXY_LOAD_BALANCER_TYPE: 'redis',
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: upstash.token,
    PROXY_REDIS_KEY_PREFIX: `freeze${Date.now().toString(36)}`,
    PROXY_STORE_TIMEOUT: '1s',
  });
  assert.equal(
    (await register(sy.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort }))).status,
    200,
  );
  publisher = publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/frozen`, { seconds: 120 });
  await probeUntilAv(`rtmp://127.0.0.1:${sy.rtmpPort}/live/frozen`);
});

after(async () => {
  upstash?.thaw();
  await publisher?.stop();
  await Promise.all([sy?.stop(), nginx?.stop(), upstash?.close()]);
});

/** Status and elapsed ms of one request. */
async function timed(url: string, init?: RequestInit): Promise<{ status: number; ms: number; error?: string }> {
  const start = Date.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  return { status: res.status, ms: Date.now() - start, error: body.error };
}

describe('store frozen', () => {
  it('answers bounded errors on every protocol and keeps the live stream playing', async (t) => {
    const playing = playFor(`rtmp://127.0.0.1:${sy.rtmpPort}/live/frozen`, 8);
    await new Promise((r) => setTimeout(r, 1500));
    upstash.freeze();
    try {
      const checks = {
        flv: await timed(`http://127.0.0.1:${sy.httpPort}/live/other.flv`),
        hls: await timed(`http://127.0.0.1:${sy.httpPort}/live/other.m3u8`),
        whep: await timed(`http://127.0.0.1:${sy.apiPort}/rtc/v1/whep/?app=live&stream=other`, {
          method: 'POST',
          headers: { 'content-type': 'application/sdp' },
          body: 'v=0\r\na=ice-ufrag:abcd\r\n',
        }),
        register: await timed(`http://127.0.0.1:${sy.systemPort}/api/v1/srs/register`, {
          method: 'POST',
          body: JSON.stringify(originBody('late', { rtmp: nginx.rtmpPort })),
        }),
      };
      for (const [name, check] of Object.entries(checks)) {
        assert.equal(check.status, 503, `${name}: ${JSON.stringify(check)}`);
        assert.ok(check.ms < 5_000, `${name} took ${check.ms} ms`);
      }
      t.diagnostic(`while frozen: ${JSON.stringify(checks)}`);
      const rtmpStart = Date.now();
      const rtmp = await probe(`rtmp://127.0.0.1:${sy.rtmpPort}/live/other`, 15);
      assert.deepEqual(rtmp.codecs, []);
      const rtmpMs = Date.now() - rtmpStart;
      t.diagnostic(`RTMP play of an unrouted stream refused after ${rtmpMs} ms`);
      assert.ok(rtmpMs < 8_000, `RTMP play gave up after ${rtmpMs} ms`);
      const played = await playing;
      assert.equal(played.code, 0, played.stderr);
    } finally {
      upstash.thaw();
    }
    assert.equal((await register(sy.systemPort, originBody('late', { rtmp: nginx.rtmpPort }))).status, 200);
  });
});
