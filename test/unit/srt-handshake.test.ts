import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  decodeHandshake,
  decodeStreamId,
  ExtensionType,
  encodeHandshake,
  encodeStreamId,
  HandshakeType,
  SRT_MAGIC,
  streamIdOf,
} from '../../dataplane/srt/handshake.ts';
import { ControlType, controlType, isControl } from '../../dataplane/srt/packet.ts';
import { SynCookies } from '../../dataplane/srt/syn-cookie.ts';
import { ProtocolError } from '../../shared/errors.ts';

const hex = (name: string) =>
  Buffer.from(readFileSync(new URL(`../fixtures/srt/${name}.hex`, import.meta.url), 'utf8').trim(), 'hex');

describe('SRT handshake codec (captured from ffmpeg/libsrt)', () => {
  it('decodes the caller induction: HSv4, extension field 2, no cookie, destination 0', () => {
    const raw = hex('ffmpeg-publish-induction');
    assert.ok(isControl(raw));
    assert.equal(controlType(raw), ControlType.Handshake);
    const hs = decodeHandshake(raw);
    assert.equal(hs.version, 4);
    assert.equal(hs.extensionField, 2);
    assert.equal(hs.type, HandshakeType.Induction);
    assert.equal(hs.cookie, 0);
    assert.equal(hs.destination, 0);
    assert.ok(encodeHandshake(hs).equals(raw));
  });

  it('decodes the conclusion with HSREQ and the stream id in per-word byte order', () => {
    const raw = hex('ffmpeg-publish-conclusion');
    const hs = decodeHandshake(raw);
    assert.equal(hs.version, 5);
    assert.equal(hs.type, HandshakeType.Conclusion);
    assert.equal(hs.cookie, 0x5eed5eed);
    assert.deepEqual(
      hs.extensions.map((e) => e.type),
      [ExtensionType.HsReq, ExtensionType.Sid],
    );
    assert.equal(streamIdOf(hs), '#!::r=live/cap,m=publish');
    assert.ok(encodeHandshake(hs).equals(raw), 'round trip is byte-exact');
  });

  it('keeps the KMREQ of an encrypted caller as raw bytes', () => {
    const raw = hex('ffmpeg-passphrase-conclusion');
    const hs = decodeHandshake(raw);
    assert.ok(hs.extensions.some((e) => e.type === ExtensionType.KmReq && e.content.length >= 16));
    assert.equal(streamIdOf(hs), '#!::r=live/enc,m=publish');
    assert.ok(encodeHandshake(hs).equals(raw));
  });

  it('round-trips stream ids of every length', () => {
    for (const id of ['', 'a', 'ab', 'abc', 'abcd', '#!::r=live/x,m=request,h=example.com', 'ü'.repeat(40)]) {
      assert.equal(decodeStreamId(encodeStreamId(id)), id);
    }
  });

  it('rejects truncated and garbage packets, oversized stream ids and runaway extensions', () => {
    const raw = hex('ffmpeg-publish-conclusion');
    for (let cut = 0; cut < 64; cut += 5) assert.throws(() => decodeHandshake(raw.subarray(0, cut)), ProtocolError);
    const runaway = Buffer.from(raw);
    runaway.writeUInt16BE(0x00ff, 16 + 48 + 2); // first extension claims 255 words
    assert.throws(() => decodeHandshake(runaway), ProtocolError);
    assert.throws(() => decodeHandshake(randomBytes(100)), ProtocolError);
    const hs = decodeHandshake(raw);
    const big = { ...hs, extensions: [{ type: ExtensionType.Sid, content: encodeStreamId('x'.repeat(600)) }] };
    assert.throws(() => streamIdOf(decodeHandshake(encodeHandshake(big))), /longer than 512/);
    assert.throws(() => decodeStreamId(Buffer.alloc(3)), ProtocolError);
  });

  it('builds an induction response the caller accepts (HSv5 + SRT magic)', () => {
    const induction = decodeHandshake(hex('ffmpeg-publish-induction'));
    const reply = decodeHandshake(encodeHandshake({ ...induction, version: 5, extensionField: SRT_MAGIC, cookie: 42 }));
    assert.equal(reply.version, 5);
    assert.equal(reply.extensionField, SRT_MAGIC);
    assert.equal(reply.cookie, 42);
  });
});

describe('SYN cookies', () => {
  it('accept the current and previous minute and refuse other addresses', () => {
    const cookies = new SynCookies();
    const now = 1_800_000_000_000;
    const c = cookies.make('127.0.0.1', 5000, now);
    assert.ok(cookies.check(c, '127.0.0.1', 5000, now + 30_000));
    assert.ok(cookies.check(c, '127.0.0.1', 5000, now + 60_000));
    assert.ok(!cookies.check(c, '127.0.0.1', 5000, now + 180_000));
    assert.ok(!cookies.check(c, '127.0.0.1', 5001, now));
    assert.ok(!new SynCookies().check(c, '127.0.0.1', 5000, now), 'a new key makes old cookies worthless');
  });
});
