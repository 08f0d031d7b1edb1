import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parsePlaylist, serializePlaylist } from '../../control/hls/m3u8.ts';
import { rewritePlaylist, rewriteUri } from '../../control/hls/rewrite.ts';
import { BadRequestError } from '../../shared/errors.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/hls/${name}`, import.meta.url), 'utf8');
const srsBody = (name: string) =>
  readFileSync(new URL(`../fixtures/srs/${name}`, import.meta.url), 'utf8')
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join('\n\n');
const base = new URL('http://192.0.2.2:8080/live/cam.m3u8');
const rw = (text: string, url = base) => rewritePlaylist(text, url, 'vid-1');
const uriLines = (text: string) => text.split(/\r?\n/).filter((l) => l && !l.startsWith('#'));

describe('m3u8 parse/serialize', () => {
  for (const name of ['live-ts.m3u8', 'fmp4.m3u8', 'll-hls.m3u8', 'master.m3u8', 'crlf.m3u8']) {
    it(`round-trips ${name} byte for byte`, () => {
      const text = fixture(name);
      assert.equal(serializePlaylist(parsePlaylist(text)), text);
    });
  }
  it('rejects garbage', () => {
    for (const bad of ['', '<html>nope</html>', 'EXTM3U\n', '\u0000\u0001binary', `#EXTM3U\n#EXT-X-KEY:URI="open\n`]) {
      assert.throws(() => rw(bad), BadRequestError, JSON.stringify(bad));
    }
  });
});

describe('playlist rewriting', () => {
  it('tags segment lines of a live TS playlist with the backend and keeps tags intact', () => {
    const out = rw(fixture('live-ts.m3u8'));
    assert.deepEqual(uriLines(out), ['/live/cam-12.ts?sy_b=vid-1', '/live/cam-13.ts?sy_b=vid-1']);
    assert.ok(out.includes('#EXT-X-MEDIA-SEQUENCE:12\n#EXT-X-TARGETDURATION:2\n#EXT-X-DISCONTINUITY'));
  });

  it('rewrites EXT-X-MAP and EXT-X-KEY URIs in fMP4 playlists, keeping other attributes', () => {
    const out = rw(fixture('fmp4.m3u8'));
    assert.ok(out.includes('#EXT-X-MAP:URI="/live/init.mp4?sy_b=vid-1"'));
    assert.ok(out.includes('#EXT-X-KEY:METHOD=SAMPLE-AES,URI="/keys/k1.key?t=9&sy_b=vid-1",KEYFORMAT="identity"'));
    assert.deepEqual(uriLines(out), ['/live/seg-3.m4s?sy_b=vid-1', '/live/seg-4.m4s?sy_b=vid-1']);
  });

  it('rewrites LL-HLS parts, preload hints and rendition reports', () => {
    const out = rw(fixture('ll-hls.m3u8'));
    assert.ok(out.includes('#EXT-X-PART:DURATION=0.33334,URI="/live/filePart267.0.mp4?sy_b=vid-1",INDEPENDENT=YES'));
    assert.ok(out.includes('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="/live/filePart267.2.mp4?sy_b=vid-1"'));
    assert.ok(out.includes('#EXT-X-RENDITION-REPORT:URI="/1M/waitForMSN.php?sy_b=vid-1",LAST-MSN=273,LAST-PART=2'));
    assert.ok(out.includes('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0,CAN-SKIP-UNTIL=12.0'));
  });

  it('rewrites variants, alternate audio and I-frame playlists; leaves other hosts alone', () => {
    const out = rw(fixture('master.m3u8'));
    assert.ok(out.includes('URI="/live/audio/en.m3u8?sy_b=vid-1"'));
    assert.ok(out.includes('#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=86000,URI="/live/iframe/index.m3u8?sy_b=vid-1"'));
    assert.deepEqual(uriLines(out), [
      '/live/hi/index.m3u8?token=abc&x=1&sy_b=vid-1',
      '/live/lo/index.m3u8?sy_b=vid-1',
      'https://cdn.example.com/other/index.m3u8',
    ]);
  });

  it('handles the real SRS master and media playlists (hls_ctx, root-relative variant)', () => {
    const master = rw(srsBody('srs-hls-master.http'), new URL('http://127.0.0.1:8081/live/livestream.m3u8'));
    assert.deepEqual(uriLines(master), ['/live/livestream.m3u8?hls_ctx=398w7472&sy_b=vid-1']);
    const media = rw(
      srsBody('srs-hls-media.http'),
      new URL('http://127.0.0.1:8081/live/livestream.m3u8?hls_ctx=398w7472'),
    );
    assert.equal(uriLines(media)[0], '/live/livestream-1.ts?hls_ctx=00kyk804&sy_b=vid-1');
    assert.equal(uriLines(media).length, 6);
  });

  it('keeps CRLF line endings and replaces a stale sy_b rather than duplicating it', () => {
    const out = rw(fixture('crlf.m3u8'));
    assert.ok(out.includes('\r\n/live/seg-1.ts?hls_ctx=zz&sy_b=vid-1\r\n'));
    assert.equal(rewriteUri('x.ts?a=1&sy_b=old&b=2', base, 'new id'), '/live/x.ts?a=1&b=2&sy_b=new%20id');
  });
});
