// RTMP handshake (C0/C1/C2, S0/S1/S2). Pure functions over Buffers.
//
//   C0/S0: version (1 byte, 3)
//   C1/S1: time (4) | zero or version (4) | random (1528)      = 1536 bytes
//   C2/S2: echo of the peer's C1/S1                            = 1536 bytes
//
// The "complex" handshake Flash-era clients use hides an HMAC-SHA256 digest in C1 and checks the
// digest in S1/S2. When a C1 carries a valid digest we answer in kind; otherwise we echo (simple).

import { createHmac, randomBytes } from 'node:crypto';
import { ProtocolError } from '../../shared/errors.ts';

export const RTMP_VERSION = 3;
export const HANDSHAKE_SIZE = 1536;

const KEY_TAIL = Buffer.from([
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d,
  0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
]);
/** "Genuine Adobe Flash Player 001" + tail; the first 30 bytes sign C1. */
const PLAYER_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Player 001', 'ascii'), KEY_TAIL]);
/** "Genuine Adobe Flash Media Server 001" + tail; the first 36 bytes sign S1, all of it keys S2. */
const SERVER_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001', 'ascii'), KEY_TAIL]);
const DIGEST_SIZE = 32;

function hmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Where the digest sits in a 1536-byte C1/S1 for the two layouts ("schema 0": key first; "schema 1": digest first). */
function digestOffset(block: Buffer, schema: 0 | 1): number {
  const base = schema === 0 ? 772 : 8;
  const sum = (block[base] ?? 0) + (block[base + 1] ?? 0) + (block[base + 2] ?? 0) + (block[base + 3] ?? 0);
  return (sum % 728) + base + 4;
}

function digestOf(block: Buffer, offset: number, key: Buffer): Buffer {
  return hmac(key, block.subarray(0, offset), block.subarray(offset + DIGEST_SIZE));
}

/** The C1 digest when C1 is a valid complex-handshake block, else undefined. */
export function findClientDigest(c1: Buffer): Buffer | undefined {
  if (c1.length !== HANDSHAKE_SIZE || c1.readUInt32BE(4) === 0) return undefined;
  for (const schema of [1, 0] as const) {
    const offset = digestOffset(c1, schema);
    const expected = digestOf(c1, offset, PLAYER_KEY.subarray(0, 30));
    if (expected.equals(c1.subarray(offset, offset + DIGEST_SIZE))) return expected;
  }
  return undefined;
}

/** Checks C0+C1 (1537 bytes) and returns C1. */
export function decodeC0C1(buf: Buffer): Buffer {
  if (buf.length < 1 + HANDSHAKE_SIZE) throw new ProtocolError('handshake truncated');
  if (buf[0] !== RTMP_VERSION) throw new ProtocolError(`unsupported RTMP version ${buf[0]} (only 3; no RTMPE)`);
  return buf.subarray(1, 1 + HANDSHAKE_SIZE);
}

/** S0+S1+S2 for a client's C1: complex when C1 carries a valid digest, simple otherwise. */
export function encodeS0S1S2(c1: Buffer, nowSeconds = 0): Buffer {
  const out = Buffer.alloc(1 + 2 * HANDSHAKE_SIZE);
  out[0] = RTMP_VERSION;
  const s1 = out.subarray(1, 1 + HANDSHAKE_SIZE);
  const s2 = out.subarray(1 + HANDSHAKE_SIZE);
  randomBytes(HANDSHAKE_SIZE - 8).copy(s1, 8);
  s1.writeUInt32BE(nowSeconds >>> 0, 0);

  const clientDigest = findClientDigest(c1);
  if (!clientDigest) {
    s1.writeUInt32BE(0, 4);
    c1.copy(s2);
    return out;
  }
  // Complex: S1 carries our digest (schema 1 layout), S2 is signed with a key derived from C1's digest.
  s1.writeUInt32BE(0x04050001, 4);
  const offset = digestOffset(s1, 1);
  digestOf(s1, offset, SERVER_KEY.subarray(0, 36)).copy(s1, offset);
  randomBytes(HANDSHAKE_SIZE - DIGEST_SIZE).copy(s2);
  const s2Key = hmac(SERVER_KEY, clientDigest);
  hmac(s2Key, s2.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE)).copy(s2, HANDSHAKE_SIZE - DIGEST_SIZE);
  return out;
}

/** Our C0+C1 toward a backend (simple handshake). */
export function encodeC0C1(): Buffer {
  const out = Buffer.alloc(1 + HANDSHAKE_SIZE);
  out[0] = RTMP_VERSION;
  randomBytes(HANDSHAKE_SIZE - 8).copy(out, 9);
  return out;
}

/** Checks S0+S1+S2 (3073 bytes) from a backend and returns the C2 to send (echo of S1). */
export function encodeC2(s0s1s2: Buffer): Buffer {
  if (s0s1s2.length < 1 + 2 * HANDSHAKE_SIZE) throw new ProtocolError('backend handshake truncated');
  if (s0s1s2[0] !== RTMP_VERSION) throw new ProtocolError(`backend answered RTMP version ${s0s1s2[0]}`);
  return Buffer.from(s0s1s2.subarray(1, 1 + HANDSHAKE_SIZE));
}

/** Test helper made public for fixtures: a valid complex C1 as a Flash client would send it. */
export function encodeComplexC1(schema: 0 | 1 = 1): Buffer {
  const c1 = randomBytes(HANDSHAKE_SIZE);
  c1.writeUInt32BE(0, 0);
  c1.writeUInt32BE(0x80000702, 4);
  const offset = digestOffset(c1, schema);
  digestOf(c1, offset, PLAYER_KEY.subarray(0, 30)).copy(c1, offset);
  return c1;
}

/** Verifies S2 against the C1 digest, as a strict complex-handshake client does. */
export function verifyComplexS2(c1: Buffer, s2: Buffer): boolean {
  const clientDigest = findClientDigest(c1);
  if (!clientDigest) return false;
  const key = hmac(SERVER_KEY, clientDigest);
  const sig = hmac(key, s2.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE));
  return sig.equals(s2.subarray(HANDSHAKE_SIZE - DIGEST_SIZE));
}

/** Verifies the digest in S1, as a strict complex-handshake client does. */
export function verifyComplexS1(s1: Buffer): boolean {
  for (const schema of [1, 0] as const) {
    const offset = digestOffset(s1, schema);
    if (digestOf(s1, offset, SERVER_KEY.subarray(0, 36)).equals(s1.subarray(offset, offset + DIGEST_SIZE))) return true;
  }
  return false;
}
