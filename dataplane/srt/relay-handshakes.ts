// The handshake packets the SRT relay writes: its stateless induction answer and rejections to a
// caller, and the induction and conclusion it sends to the origin as that caller. Pure.

import { encodeHandshake, type Handshake, HandshakeType, INDUCTION_EXTENSION, SRT_MAGIC } from './handshake.ts';

/** Answer to a caller's induction: HSv5, our SYN cookie, the caller's address as we see it. */
export function inductionAnswer(hs: Handshake, cookie: number, callerAddress: string): Buffer {
  return encodeHandshake({
    ...hs,
    timestamp: 0,
    destination: hs.socketId,
    version: 5,
    encryption: 0,
    extensionField: SRT_MAGIC,
    type: HandshakeType.Induction,
    socketId: hs.socketId ^ 0x5a5a5a5a,
    cookie,
    peerIp: ipv4Field(callerAddress),
    extensions: [],
  });
}

/** A rejection (`code` is an SRT_REJX_* value, see Rejection) of the caller's handshake `hs`. */
export function rejection(hs: Handshake, code: number): Buffer {
  return encodeHandshake({ ...hs, timestamp: 0, destination: hs.socketId, type: code, extensions: [], socketId: 0 });
}

/** Our induction to the origin, as the caller (same socket id and initial sequence number). */
export function originInduction(conclusion: Handshake, originHost: string): Buffer {
  return encodeHandshake({
    ...conclusion,
    timestamp: 0,
    destination: 0,
    version: 4,
    encryption: 0,
    extensionField: INDUCTION_EXTENSION,
    type: HandshakeType.Induction,
    cookie: 0,
    peerIp: ipv4Field(originHost),
    extensions: [],
  });
}

/** Our conclusion to the origin: the caller's own, carrying the origin's cookie. */
export function originConclusion(conclusion: Handshake, originCookie: number): Buffer {
  return encodeHandshake({ ...conclusion, timestamp: 0, destination: 0, cookie: originCookie });
}

export function ipv4Field(address: string): Buffer {
  // libsrt writes the peer address as host-order 32-bit words: 127.0.0.1 arrives as 01 00 00 7f.
  const out = Buffer.alloc(16);
  const octets = address.split('.').map(Number);
  if (octets.length === 4) for (let i = 0; i < 4; i++) out[i] = octets[3 - i] as number;
  return out;
}
