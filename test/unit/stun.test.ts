import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  decodeStun,
  decodeXorMappedAddress,
  encodeStun,
  encodeXorMappedAddress,
  getAttribute,
  looksLikeStun,
  StunAttr,
  StunType,
  stunUsername,
  verifyFingerprint,
  verifyIntegrity,
} from '../../dataplane/webrtc/stun.ts';
import { ProtocolError } from '../../shared/errors.ts';

const sample = Buffer.from(
  readFileSync(new URL('../fixtures/stun/rfc5769-request.hex', import.meta.url), 'utf8').trim(),
  'hex',
);

describe('STUN codec', () => {
  it('decodes the RFC 5769 sample request and verifies its integrity and fingerprint', () => {
    assert.ok(looksLikeStun(sample));
    const m = decodeStun(sample);
    assert.equal(m.type, StunType.BindingRequest);
    assert.equal(m.transactionId.toString('hex'), 'b7e7a701bc34d686fa87dfae');
    assert.equal(stunUsername(m), 'evtj:h6vY');
    assert.equal(getAttribute(m, StunAttr.Software)?.toString(), 'STUN test client');
    assert.ok(verifyIntegrity(sample, 'VOkJxbRl1RmTxUk/WvJxBt'));
    assert.ok(!verifyIntegrity(sample, 'wrong'));
    assert.ok(verifyFingerprint(sample));
  });

  it('round-trips a binding request with integrity and fingerprint', () => {
    const msg = {
      type: StunType.BindingRequest,
      transactionId: randomBytes(12),
      attributes: [
        { type: StunAttr.Username, value: Buffer.from('answerUfrag:offerUfrag') },
        { type: StunAttr.Priority, value: Buffer.from([0x6e, 0, 1, 0xff]) },
      ],
    };
    const bytes = encodeStun(msg, { password: 'pw', fingerprint: true });
    const back = decodeStun(bytes);
    assert.equal(stunUsername(back), 'answerUfrag:offerUfrag');
    assert.ok(verifyIntegrity(bytes, 'pw'));
    assert.ok(verifyFingerprint(bytes));
    const again = encodeStun(
      { ...back, attributes: back.attributes.slice(0, 2) },
      { password: 'pw', fingerprint: true },
    );
    assert.ok(again.equals(bytes));
  });

  it('encodes and decodes XOR-MAPPED-ADDRESS', () => {
    const value = encodeXorMappedAddress('192.0.2.1', 32853);
    assert.equal(value.toString('hex'), '0001a147e112a643');
    assert.deepEqual(decodeXorMappedAddress(value), { ip: '192.0.2.1', port: 32853 });
  });

  it('rejects truncated, mis-padded and non-STUN datagrams without reading past the end', () => {
    for (let cut = 0; cut < sample.length; cut += 3) {
      assert.throws(() => decodeStun(sample.subarray(0, cut)), ProtocolError, `cut ${cut}`);
    }
    const lying = Buffer.from(sample);
    lying.writeUInt16BE(0x0100, 2 + 20 + 16 + 4); // an attribute claiming far more bytes than exist
    assert.throws(() => decodeStun(lying), ProtocolError);
    const odd = Buffer.from(sample);
    odd.writeUInt16BE(0x57, 2);
    assert.throws(() => decodeStun(odd), ProtocolError);
    const dtls = Buffer.from([0x16, 0xfe, 0xfd, ...randomBytes(40)]);
    assert.ok(!looksLikeStun(dtls));
    assert.throws(() => decodeStun(dtls), ProtocolError);
  });
});
