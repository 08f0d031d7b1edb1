import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAmf0, EcmaArray, encodeAmf0 } from '../../dataplane/rtmp/amf0.ts';
import { ProtocolError } from '../../shared/errors.ts';

// `connect` as ffmpeg 5 sends it (transaction 1), hand-assembled from the AMF0 spec.
const CONNECT_FIXTURE = Buffer.concat([
  Buffer.from([0x02, 0x00, 0x07]),
  Buffer.from('connect'),
  Buffer.from([0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]),
  Buffer.from([0x03]),
  Buffer.from([0x00, 0x03]),
  Buffer.from('app'),
  Buffer.from([0x02, 0x00, 0x04]),
  Buffer.from('live'),
  Buffer.from([0x00, 0x05]),
  Buffer.from('tcUrl'),
  Buffer.from([0x02, 0x00, 0x1a]),
  Buffer.from('rtmp://127.0.0.1:1935/live'),
  Buffer.from([0x00, 0x04]),
  Buffer.from('fpad'),
  Buffer.from([0x01, 0x00]),
  Buffer.from([0x00, 0x00, 0x09]),
]);

describe('AMF0', () => {
  it('decodes a captured-shape connect command', () => {
    const [name, txn, obj] = decodeAmf0(CONNECT_FIXTURE);
    assert.equal(name, 'connect');
    assert.equal(txn, 1);
    assert.deepEqual(obj, { app: 'live', tcUrl: 'rtmp://127.0.0.1:1935/live', fpad: false });
    assert.ok(encodeAmf0(name, txn, obj).equals(CONNECT_FIXTURE));
  });

  it('round-trips every supported type', () => {
    const values = [
      1.5,
      -0,
      true,
      false,
      '',
      'héllo',
      null,
      undefined,
      { a: 1, nested: { b: 'x', arr: [1, 'two', null] } },
      new EcmaArray({ duration: 0, width: 320, encoder: 'Lavf' }),
      [1, [2, [3]]],
      new Date(1_700_000_000_000),
      'x'.repeat(70_000), // long string
    ];
    const decoded = decodeAmf0(encodeAmf0(...values));
    assert.deepEqual(decoded, values);
    assert.ok(decoded[9] instanceof EcmaArray);
  });

  it('rejects truncated input at every cut point without reading past the end', () => {
    const full = encodeAmf0({ meta: new EcmaArray({ a: 1, b: 'two' }), c: [true, new Date(0)], s: 'text' });
    for (let cut = 1; cut < full.length; cut++) {
      assert.throws(() => decodeAmf0(full.subarray(0, cut)), ProtocolError, `cut at ${cut}`);
    }
  });

  it('rejects garbage markers, AMF3 switches and lying lengths', () => {
    assert.throws(() => decodeAmf0(Buffer.from([0x42])), ProtocolError);
    assert.throws(() => decodeAmf0(Buffer.from([0x11, 0x00])), ProtocolError);
    assert.throws(() => decodeAmf0(Buffer.from([0x02, 0xff, 0xff, 0x41])), ProtocolError);
    assert.throws(() => decodeAmf0(Buffer.from([0x0c, 0x7f, 0xff, 0xff, 0xff])), ProtocolError);
    assert.throws(() => decodeAmf0(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x05])), ProtocolError);
    assert.throws(() => decodeAmf0(Buffer.from([0x03, 0x00, 0x00, 0x05])), ProtocolError);
  });

  it('refuses a nesting bomb', () => {
    const depth = 10_000;
    const bomb = Buffer.concat([Buffer.alloc(depth * 4, Buffer.from([0x03, 0x00, 0x01, 0x61])), Buffer.from([0x05])]);
    assert.throws(() => decodeAmf0(bomb), /nesting deeper/);
    const arrays = Buffer.concat(Array.from({ length: 100 }, () => Buffer.from([0x0a, 0, 0, 0, 1])));
    assert.throws(() => decodeAmf0(arrays), ProtocolError);
  });
});
