import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKEND_PARAM } from '../../control/hls/rewrite.ts';
import { HLS_SEGMENT_MARKER, isLiveStreamRequest } from '../../dataplane/http/live-paths.ts';

describe('live stream or not, from what the request carries', () => {
  it('relays every http_remux format SRS serves, whatever the stream is called', () => {
    for (const path of [
      '/live/cam.flv',
      '/live/cam-2.ts',
      '/live/cam-12345.ts',
      '/live/a.aac',
      '/live/a.MP3',
      '/a/b/c.flv',
    ]) {
      assert.equal(isLiveStreamRequest(path, ''), true, path);
      assert.equal(isLiveStreamRequest(path, 'secret=1&hls_ctx=x'), true, path);
    }
  });
  it('leaves segments carrying our marker, playlists, and paths without app to the HLS/other routes', () => {
    assert.equal(isLiveStreamRequest('/live/cam-2.ts', 'sy_b=nginx.abc'), false);
    assert.equal(isLiveStreamRequest('/live/cam.ts', 'x=1&sy_b='), false);
    assert.equal(isLiveStreamRequest('/live/cam.ts', 'xsy_b=1'), true);
    assert.equal(isLiveStreamRequest('/live/cam.m3u8', ''), false);
    assert.equal(isLiveStreamRequest('/live/cam.m4s', ''), false);
    assert.equal(isLiveStreamRequest('/cam.flv', ''), false);
  });
  it('uses the marker the HLS rewriter writes', () => {
    assert.equal(HLS_SEGMENT_MARKER, BACKEND_PARAM);
  });
});
