import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../shared/errors.ts';
import {
  appFromTcUrl,
  DEFAULT_APP,
  DEFAULT_VHOST,
  streamFromHttp,
  streamFromRtmp,
  streamFromSrtId,
  streamKey,
} from '../../shared/stream-identity.ts';

describe('stream identity from RTMP', () => {
  it('uses a domain host as vhost and ignores the port', () => {
    const id = streamFromRtmp('rtmp://live.example.com:1935/live', 'cam1');
    assert.deepEqual(id, { vhost: 'live.example.com', app: 'live', stream: 'cam1', query: '' });
  });
  it('maps IP, IPv6, localhost and missing hosts to the default vhost', () => {
    for (const tcUrl of [
      'rtmp://127.0.0.1:11935/live',
      'rtmp://[::1]:1935/live',
      'rtmp://localhost/live',
      'rtmp:///live',
    ]) {
      assert.equal(streamFromRtmp(tcUrl, 's').vhost, DEFAULT_VHOST, tcUrl);
    }
  });
  it('keeps the stream query out of the identity but preserved', () => {
    const id = streamFromRtmp('rtmp://10.0.0.1/live', 'cam1?secret=abc&token=1');
    assert.equal(streamKey(id), `${DEFAULT_VHOST}/live/cam1`);
    assert.equal(id.query, 'secret=abc&token=1');
  });
  it('lets vhost= in the stream query win over the tcUrl, and the tcUrl over the host', () => {
    assert.equal(streamFromRtmp('rtmp://1.2.3.4/live?vhost=a.com', 's').vhost, 'a.com');
    assert.equal(streamFromRtmp('rtmp://x.com/live?vhost=a.com', 's?vhost=b.com').vhost, 'b.com');
  });
  it('rejects a tcUrl without scheme, and an empty stream', () => {
    assert.throws(() => streamFromRtmp('live', 's'), BadRequestError);
    assert.throws(() => streamFromRtmp('rtmp://h/live', ''), BadRequestError);
    assert.throws(() => streamFromRtmp('rtmp://h/live', '?vhost=a.com'), BadRequestError);
  });
  it('parses the tcUrl and name as one URL, as SRS does', () => {
    const key = (tcUrl: string, name: string) => streamKey(streamFromRtmp(tcUrl, name));
    // A query in the tcUrl (OBS, FMLE: rtmp://h/live?secret=x with stream s) moves behind the stream.
    const obs = streamFromRtmp('rtmp://1.2.3.4/live?secret=x', 's');
    assert.equal(streamKey(obs), `${DEFAULT_VHOST}/live/s`);
    assert.equal(obs.query, 'secret=x');
    assert.equal(key('rtmp://1.2.3.4/live#vhost=a.com', 's'), 'a.com/live/s');
    // domain= is SRS's other name for vhost=; vhost=__defaultVhost__ names no vhost.
    assert.equal(key('rtmp://1.2.3.4/live', 's?token=1&domain=B.com'), 'b.com/live/s');
    assert.equal(key('rtmp://x.com/live', `s?vhost=${DEFAULT_VHOST}`), 'x.com/live/s');
    // Nested apps, /_definst_, a name with a slash, a leading slash, no app at all.
    assert.equal(key('rtmp://1.2.3.4/a/b', 's'), `${DEFAULT_VHOST}/a/b/s`);
    assert.equal(key('rtmp://1.2.3.4/live/_definst_', 's'), `${DEFAULT_VHOST}/live/s`);
    assert.equal(key('rtmp://1.2.3.4/live', 'sub/s'), `${DEFAULT_VHOST}/live/sub/s`);
    assert.equal(key('rtmp://1.2.3.4/live/', '/s'), `${DEFAULT_VHOST}/live/s`);
    assert.equal(key('rtmp://1.2.3.4', 's'), `${DEFAULT_VHOST}/${DEFAULT_APP}/s`);
    assert.equal(key('rtmp://1.2.3.4/', 's'), `${DEFAULT_VHOST}/${DEFAULT_APP}/s`);
  });
  it('derives the app a client without connect.app means from its tcUrl', () => {
    assert.equal(appFromTcUrl('rtmp://1.2.3.4:1935/live'), 'live');
    assert.equal(appFromTcUrl('rtmp://1.2.3.4/live?vhost=a.com'), 'live?vhost=a.com');
    assert.equal(appFromTcUrl('rtmp://1.2.3.4/a/b'), 'a/b');
    assert.equal(appFromTcUrl('rtmp://1.2.3.4'), DEFAULT_APP);
    assert.throws(() => appFromTcUrl('live'), BadRequestError);
  });
});

describe('stream identity from HTTP', () => {
  it('strips live extensions', () => {
    for (const ext of ['.flv', '.ts', '.m3u8', '.mp4']) {
      const id = streamFromHttp('127.0.0.1:18080', `/live/cam1${ext}?secret=x`);
      assert.equal(streamKey(id), `${DEFAULT_VHOST}/live/cam1`);
      assert.equal(id.query, 'secret=x');
    }
  });
  it('uses the Host header as vhost unless ?vhost= overrides', () => {
    assert.equal(streamFromHttp('cdn.example.com:18080', '/live/a.flv').vhost, 'cdn.example.com');
    assert.equal(streamFromHttp('cdn.example.com', '/live/a.flv?vhost=other.com').vhost, 'other.com');
    assert.equal(streamFromHttp(undefined, '/live/a.flv').vhost, DEFAULT_VHOST);
  });
  it('takes ?app=&stream= (WHIP/WHEP) over the path', () => {
    const id = streamFromHttp('127.0.0.1', '/rtc/v1/whip/?app=live&stream=cam&codec=hevc');
    assert.deepEqual([id.app, id.stream, id.query], ['live', 'cam', 'app=live&stream=cam&codec=hevc']);
  });
  it('keeps nested apps and rejects paths without app or with traversal', () => {
    assert.equal(streamFromHttp('h', '/a/b/c.flv').app, 'a/b');
    assert.throws(() => streamFromHttp('h', '/c.flv'), BadRequestError);
    assert.throws(() => streamFromHttp('h', '/../x/c.flv'), BadRequestError);
    assert.throws(() => streamFromHttp('h', '/live/%zz.flv'), BadRequestError);
  });
});

describe('stream identity from SRT stream ids', () => {
  it('parses #!:: with r, m and h', () => {
    const { identity, mode } = streamFromSrtId('#!::r=live/cam1,m=publish,h=srt.example.com');
    assert.equal(streamKey(identity), 'srt.example.com/live/cam1');
    assert.equal(mode, 'publish');
  });
  it('treats a missing m as play and turns other keys into the forwarded query', () => {
    const { identity, mode } = streamFromSrtId('#!::r=live/cam1,secret=abc,key2=v2');
    assert.equal(mode, 'request');
    assert.equal(identity.query, 'secret=abc&key2=v2');
    assert.equal(identity.vhost, DEFAULT_VHOST);
  });
  it('accepts h=app/stream and the plain app/stream?m= form', () => {
    assert.equal(streamKey(streamFromSrtId('#!::h=live/cam2,m=request').identity), `${DEFAULT_VHOST}/live/cam2`);
    const plain = streamFromSrtId('live/cam3?m=publish&secret=1');
    assert.equal(plain.mode, 'publish');
    assert.equal(streamKey(plain.identity), `${DEFAULT_VHOST}/live/cam3`);
    assert.equal(plain.identity.query, 'secret=1');
  });
  it('rejects stream ids without app/stream or with a bad mode', () => {
    assert.throws(() => streamFromSrtId('#!::m=publish'), BadRequestError);
    assert.throws(() => streamFromSrtId('#!::r=live/a,m=steal'), BadRequestError);
    assert.throws(() => streamFromSrtId(''), BadRequestError);
  });
});
