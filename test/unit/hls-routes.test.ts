// The HLS routes' decisions (redirects, errors, tagging) with a scripted origin behind `fetch`;
// the real-origin behaviour is covered end to end in test/e2e/hls.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { segmentMarker } from '../../control/hls/segment-marker.ts';
import { postJson, TEST_SIGNER, testControl } from '../helpers/control-app.ts';

const PLAYLIST = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg-1.ts\n';
/** The marker a rewritten playlist carries for `path` on backend o1. */
const mark = (path: string) => segmentMarker(TEST_SIGNER, 'o1', path);
const origin = { ip: '10.0.0.5', server: 'o1', service: 's', pid: '1', rtmp: ['1935'], http: ['8080'] };

function scripted(routes: Record<string, () => Response>) {
  const seen: string[] = [];
  const fetch = async (url: string) => {
    seen.push(url);
    const handler = routes[url];
    return handler ? handler() : new Response('not found at 10.0.0.5:8080', { status: 404 });
  };
  return { fetch, seen };
}

describe('HLS routes', () => {
  it('follows a redirect that stays on the origin and rewrites against the final URL', async () => {
    const { fetch, seen } = scripted({
      'http://10.0.0.5:8080/live/cam.m3u8': () =>
        new Response(null, { status: 302, headers: { location: '/live/hls/cam.m3u8?hls_ctx=abc' } }),
      'http://10.0.0.5:8080/live/hls/cam.m3u8?hls_ctx=abc': () => new Response(PLAYLIST, { status: 200 }),
    });
    const { app } = testControl({ fetch });
    await app.request('/api/v1/srs/register', postJson(origin));
    const res = await app.request('http://proxy/live/cam.m3u8');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.ok((await res.text()).includes(`\n/live/hls/seg-1.ts?sy_b=${mark('/live/hls/seg-1.ts')}\n`));
    assert.equal(seen.length, 2);
  });

  it('refuses a redirect to another host, and garbage instead of a playlist, with 502', async () => {
    const { fetch, seen } = scripted({
      'http://10.0.0.5:8080/live/away.m3u8': () =>
        new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/latest' } }),
      'http://10.0.0.5:8080/live/junk.m3u8': () => new Response('<html>oops</html>', { status: 200 }),
    });
    const { app } = testControl({ fetch });
    await app.request('/api/v1/srs/register', postJson(origin));
    assert.equal((await app.request('http://proxy/live/away.m3u8')).status, 502);
    assert.ok(!seen.some((u) => u.includes('169.254')));
    const junk = await app.request('http://proxy/live/junk.m3u8');
    assert.equal(junk.status, 502);
  });

  it('keeps the origin status of errors without its address, and needs a live backend', async () => {
    const { fetch } = scripted({});
    const empty = testControl({ fetch });
    const none = await empty.app.request('http://proxy/live/cam.m3u8');
    assert.equal(none.status, 503);
    const { app } = testControl({ fetch });
    await app.request('/api/v1/srs/register', postJson(origin));
    const missing = await app.request(`http://proxy/live/cam-9.ts?sy_b=${mark('/live/cam-9.ts')}`);
    assert.equal(missing.status, 404);
    assert.ok(!(await missing.text()).includes('10.0.0.5'));
    assert.equal((await app.request('http://proxy/live/cam-9.ts?sy_b=nope')).status, 404);
  });

  it('passes segments through with their type and length, and sub-playlists rewritten', async () => {
    const bytes = new Uint8Array([0x47, 1, 2, 3]);
    const { fetch } = scripted({
      'http://10.0.0.5:8080/live/seg-1.ts?hls_ctx=x': () =>
        new Response(bytes, { status: 200, headers: { 'content-type': 'video/mp2t', 'content-length': '4' } }),
      'http://10.0.0.5:8080/live/v/index.m3u8': () => new Response(PLAYLIST, { status: 200 }),
    });
    const { app } = testControl({ fetch });
    await app.request('/api/v1/srs/register', postJson(origin));
    const seg = await app.request(`http://proxy/live/seg-1.ts?hls_ctx=x&sy_b=${mark('/live/seg-1.ts')}`);
    assert.equal(seg.status, 200);
    assert.equal(seg.headers.get('content-type'), 'video/mp2t');
    assert.deepEqual(new Uint8Array(await seg.arrayBuffer()), bytes);
    const sub = await app.request(`http://proxy/live/v/index.m3u8?sy_b=${mark('/live/v/index.m3u8')}`);
    assert.ok((await sub.text()).includes(`/live/v/seg-1.ts?sy_b=${mark('/live/v/seg-1.ts')}`));
  });

  it('serves a marker only for the path it was signed for (no reach into the origin API)', async () => {
    const { fetch, seen } = scripted({});
    const { app } = testControl({ fetch });
    await app.request('/api/v1/srs/register', postJson(origin));
    const valid = mark('/live/seg-1.ts');
    for (const path of ['/api/v1/clients/', '/live/seg-2.ts', '/rtc/v1/whip/']) {
      const res = await app.request(`http://proxy${path}?sy_b=${valid}`);
      assert.equal(res.status, 404, path);
    }
    // An unsigned backend id, as markers looked before they were signed, reaches nothing either.
    assert.equal((await app.request('http://proxy/api/v1/clients/?sy_b=o1')).status, 404);
    assert.deepEqual(seen, []);
  });
});
