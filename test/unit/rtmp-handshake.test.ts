import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  decodeC0C1,
  encodeC0C1,
  encodeC2,
  encodeComplexC1,
  encodeS0S1S2,
  findClientDigest,
  HANDSHAKE_SIZE,
  verifyComplexS1,
  verifyComplexS2,
} from '../../dataplane/rtmp/handshake.ts';
import { ProtocolError } from '../../shared/errors.ts';

describe('RTMP handshake', () => {
  it('answers a simple C1 (zero version, as ffmpeg sends) by echoing it in S2', () => {
    const c0c1 = encodeC0C1();
    const c1 = decodeC0C1(c0c1);
    assert.equal(findClientDigest(c1), undefined);
    const s = encodeS0S1S2(c1, 1234);
    assert.equal(s.length, 1 + 2 * HANDSHAKE_SIZE);
    assert.equal(s[0], 3);
    assert.equal(s.readUInt32BE(1), 1234);
    assert.ok(s.subarray(1 + HANDSHAKE_SIZE).equals(c1));
  });

  for (const schema of [0, 1] as const) {
    it(`answers a complex C1 (schema ${schema}) with S1/S2 a strict client verifies`, () => {
      const c1 = encodeComplexC1(schema);
      assert.ok(findClientDigest(c1));
      const s = encodeS0S1S2(c1);
      const s1 = s.subarray(1, 1 + HANDSHAKE_SIZE);
      const s2 = s.subarray(1 + HANDSHAKE_SIZE);
      assert.ok(verifyComplexS1(s1));
      assert.ok(verifyComplexS2(c1, s2));
    });
  }

  it('falls back to simple for a non-zero version without a valid digest', () => {
    const c1 = randomBytes(HANDSHAKE_SIZE);
    c1.writeUInt32BE(0x0a000c02, 4);
    assert.equal(findClientDigest(c1), undefined);
    assert.ok(
      encodeS0S1S2(c1)
        .subarray(1 + HANDSHAKE_SIZE)
        .equals(c1),
    );
  });

  it('rejects other versions (RTMPE) and truncated input', () => {
    const c0c1 = encodeC0C1();
    c0c1[0] = 6;
    assert.throws(() => decodeC0C1(c0c1), ProtocolError);
    assert.throws(() => decodeC0C1(Buffer.from('GET / HTTP/1.1\r\n')), ProtocolError);
    assert.throws(() => encodeC2(Buffer.alloc(100, 3)), ProtocolError);
  });

  it('builds C2 as the echo of S1', () => {
    const s = encodeS0S1S2(decodeC0C1(encodeC0C1()));
    assert.ok(encodeC2(s).equals(s.subarray(1, 1 + HANDSHAKE_SIZE)));
  });
});
