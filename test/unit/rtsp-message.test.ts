// The RTSP codec and URL rewriting against messages captured from ffmpeg 5.1 (Debian) playing
// from GStreamer's RTSP server 1.22 (test/fixtures/rtsp/, exact bytes).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  header,
  headLength,
  MAX_HEAD_BYTES,
  parseRequestHead,
  parseResponseHead,
  RtspStatusError,
  serializeRequest,
  serializeResponse,
} from '../../dataplane/rtsp/message.ts';
import { interleavedTransport, parseRtspUrl, SessionUrls, streamFromRtsp } from '../../dataplane/rtsp/urls.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/rtsp/${name}.txt`, import.meta.url));

function request(name: string) {
  const bytes = fixture(name);
  return { bytes, parsed: parseRequestHead(bytes.subarray(0, headLength(bytes))) };
}

function response(name: string) {
  const bytes = fixture(name);
  const end = headLength(bytes);
  return { parsed: parseResponseHead(bytes.subarray(0, end)), body: bytes.subarray(end) };
}

function status(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof RtspStatusError) return err.status;
    throw err;
  }
  assert.fail('expected an RtspStatusError');
}

describe('RTSP request heads (ffmpeg)', () => {
  it('parses every request ffmpeg sends and serializes it back byte for byte', () => {
    for (const name of ['options', 'describe', 'setup-tcp', 'setup-tcp-2', 'setup-udp', 'play', 'teardown']) {
      const { bytes, parsed } = request(`ffmpeg-${name}`);
      assert.equal(serializeRequest(parsed).toString('latin1'), bytes.toString('latin1'), name);
    }
    const { parsed } = request('ffmpeg-setup-tcp-2');
    assert.equal(parsed.method, 'SETUP');
    assert.equal(parsed.url, 'rtsp://127.0.0.1:18555/live/cam/stream=1');
    assert.equal(header(parsed.headers, 'cseq'), '4');
    assert.equal(header(parsed.headers, 'Transport'), 'RTP/AVP/TCP;unicast;interleaved=2-3');
    assert.equal(header(parsed.headers, 'Session'), 'uAxH+cXDVUz4owK0');
  });

  it('needs the whole head, and refuses one longer than the limit', () => {
    const bytes = fixture('ffmpeg-describe');
    assert.equal(headLength(bytes.subarray(0, bytes.length - 1)), -1);
    assert.equal(headLength(bytes), bytes.length);
    const huge = Buffer.from(`DESCRIBE rtsp://h/live/cam RTSP/1.0\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`);
    assert.equal(
      status(() => headLength(huge)),
      400,
    );
    assert.equal(
      status(() => headLength(huge.subarray(0, MAX_HEAD_BYTES))),
      400,
    );
  });

  it('answers hostile heads with a status: garbage, no CSeq, bad headers, other versions', () => {
    const head = (text: string) => Buffer.from(`${text}\r\n\r\n`);
    assert.equal(
      status(() => parseRequestHead(head('\x16\x03\x01 hello'))),
      400,
    );
    assert.equal(
      status(() => parseRequestHead(head('DESCRIBE rtsp://h/live/cam RTSP/1.0\r\nAccept: application/sdp'))),
      400,
    );
    assert.equal(
      status(() => parseRequestHead(head('OPTIONS * RTSP/1.0\r\nCSeq: x1'))),
      400,
    );
    assert.equal(
      status(() => parseRequestHead(head('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n folded'))),
      400,
    );
    assert.equal(
      status(() => parseRequestHead(head('OPTIONS * RTSP/2.0\r\nCSeq: 1'))),
      505,
    );
    const many = Array.from({ length: 65 }, (_, i) => `X-${i}: 1`).join('\r\n');
    assert.equal(
      status(() => parseRequestHead(head(`OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n${many}`))),
      400,
    );
    assert.equal(parseRequestHead(head('OPTIONS * RTSP/1.0\r\ncseq: 7')).method, 'OPTIONS');
  });
});

describe('RTSP responses (GStreamer) rewritten for the client', () => {
  const urls = new SessionUrls('node.example:8554', '/live/cam', '127.0.0.1:18555');

  it('DESCRIBE: Content-Base and the SDP name the proxy, the SDP carries no origin address', () => {
    const { parsed, body } = response('gstreamer-describe-response');
    assert.equal(parsed.status, 200);
    assert.equal(Number(header(parsed.headers, 'Content-Length')), body.length);
    const sdp = urls.toClient(parsed.headers, body);
    assert.equal(header(parsed.headers, 'Content-Base'), 'rtsp://node.example:8554/live/cam/');
    const out = serializeResponse({ ...parsed, body: sdp }).toString('latin1');
    assert.doesNotMatch(out, /127\.0\.0\.1|18555/);
    assert.match(out, /\r\nContent-Length: \d+\r\n\r\nv=0\r\no=- \d+ 1 IN IP4 0\.0\.0\.0\r\n/);
    assert.match(out, /a=control:stream=1/);
    assert.equal(Number(/Content-Length: (\d+)/.exec(out)?.[1]), sdp.length);
  });

  it('PLAY: every RTP-Info url names the proxy', () => {
    const { parsed, body } = response('gstreamer-play-response');
    urls.toClient(parsed.headers, body);
    assert.equal(
      header(parsed.headers, 'RTP-Info')?.replace(/seq=\d+;rtptime=\d+/g, 'x'),
      'url=rtsp://node.example:8554/live/cam/stream=0;x, url=rtsp://node.example:8554/live/cam/stream=1;x',
    );
    assert.equal(header(parsed.headers, 'Session'), 'uAxH+cXDVUz4owK0');
  });

  it('SETUP: a Transport naming addresses loses them', () => {
    const headers: Array<[string, string]> = [
      ['Transport', 'RTP/AVP/TCP;unicast;interleaved=0-1;source=10.1.2.3;destination=10.9.9.9;ssrc=AC050848'],
    ];
    urls.toClient(headers, Buffer.alloc(0));
    assert.equal(header(headers, 'Transport'), 'RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=AC050848');
  });
});

describe('RTSP URLs of a session', () => {
  const urls = new SessionUrls('127.0.0.1:8554', '/live/cam', '10.0.0.5:554');

  it('maps the stream and its tracks to the origin, keeping the query', () => {
    assert.equal(urls.toOrigin('rtsp://127.0.0.1:8554/live/cam'), 'rtsp://10.0.0.5:554/live/cam');
    assert.equal(urls.toOrigin('rtsp://127.0.0.1:8554/live/cam/'), 'rtsp://10.0.0.5:554/live/cam/');
    assert.equal(urls.toOrigin('rtsp://127.0.0.1:8554/live/cam/stream=0'), 'rtsp://10.0.0.5:554/live/cam/stream=0');
    assert.equal(urls.toOrigin('rtsp://127.0.0.1:8554/live/cam?k=v'), 'rtsp://10.0.0.5:554/live/cam?k=v');
  });

  it('refuses another host, another stream, relative segments and other schemes', () => {
    for (const bad of [
      'rtsp://10.0.0.5:554/live/cam',
      'rtsp://127.0.0.1:8554/live/cam2',
      'rtsp://127.0.0.1:8554/live/other/stream=0',
      'rtsp://127.0.0.1:8554/live/cam/../other',
      'rtsp://127.0.0.1:8554/live/cam/%2e%2e/x',
      'rtsp://user@127.0.0.1:8554/live/cam',
      'http://127.0.0.1:8554/live/cam',
      'rtsp://127.0.0.1:8554/live/cam/a/b',
    ]) {
      assert.equal(
        status(() => urls.toOrigin(bad)),
        400,
        bad,
      );
    }
  });

  it('names the stream by its path, with the vhost rules of every protocol', () => {
    const id = streamFromRtsp(parseRtspUrl('rtsp://127.0.0.1:8554/live/cam?vhost=v.example'));
    assert.deepEqual(id, { vhost: 'v.example', app: 'live', stream: 'cam', query: 'vhost=v.example' });
    assert.equal(
      status(() => streamFromRtsp(parseRtspUrl('rtsp://127.0.0.1:8554/cam'))),
      404,
    );
  });
});

describe('SETUP transports', () => {
  it('keeps TCP interleaved specs and refuses UDP-only (461 in the session)', () => {
    const tcp = header(request('ffmpeg-setup-tcp').parsed.headers, 'Transport');
    const udp = header(request('ffmpeg-setup-udp').parsed.headers, 'Transport');
    assert.equal(interleavedTransport(tcp), 'RTP/AVP/TCP;unicast;interleaved=0-1');
    assert.equal(interleavedTransport(udp), undefined);
    assert.equal(interleavedTransport(undefined), undefined);
    assert.equal(interleavedTransport('RTP/AVP/TCP;unicast'), undefined);
    assert.equal(
      interleavedTransport(`${udp},RTP/AVP/TCP;unicast;interleaved=0-1`),
      'RTP/AVP/TCP;unicast;interleaved=0-1',
    );
  });
});
