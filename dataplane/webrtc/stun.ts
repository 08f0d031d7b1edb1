// STUN messages (RFC 5389) as ICE uses them. Pure; every read is bounds-checked first.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  |0 0|     STUN Message Type     |         Message Length        |
//  |                         Magic Cookie (0x2112A442)             |
//  |                     Transaction ID (96 bits)                  |
//  |  Attribute Type               |  Attribute Length             |  value, padded to 4 bytes ...

import { createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { ProtocolError } from '../../shared/errors.ts';

export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_SIZE = 20;

export const StunType = {
  BindingRequest: 0x0001,
  BindingSuccess: 0x0101,
  BindingError: 0x0111,
} as const;

export const StunAttr = {
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  XorMappedAddress: 0x0020,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  Software: 0x8022,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
} as const;

const FINGERPRINT_XOR = 0x5354554e;

export interface StunAttribute {
  type: number;
  /** A view into the decoded buffer, without padding. */
  value: Buffer;
}

export interface StunMessage {
  type: number;
  transactionId: Buffer;
  attributes: StunAttribute[];
}

/** Cheap test used on the hot path: could this datagram be STUN (RFC 7983 demultiplexing)? */
export function looksLikeStun(buf: Buffer): boolean {
  return buf.length >= HEADER_SIZE && (buf[0] as number) < 4 && buf.readUInt32BE(4) === MAGIC_COOKIE;
}

export function decodeStun(buf: Buffer): StunMessage {
  if (buf.length < HEADER_SIZE) throw new ProtocolError(`STUN message shorter than ${HEADER_SIZE} bytes`);
  const type = buf.readUInt16BE(0);
  if (type & 0xc000) throw new ProtocolError('not a STUN message: top bits set');
  const length = buf.readUInt16BE(2);
  if (buf.readUInt32BE(4) !== MAGIC_COOKIE) throw new ProtocolError('not a STUN message: bad magic cookie');
  if (length % 4 !== 0) throw new ProtocolError(`STUN length ${length} is not a multiple of 4`);
  if (HEADER_SIZE + length !== buf.length) {
    throw new ProtocolError(
      `STUN length ${length} does not match the ${buf.length - HEADER_SIZE} bytes after the header`,
    );
  }
  const attributes: StunAttribute[] = [];
  let at = HEADER_SIZE;
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new ProtocolError('STUN attribute header truncated');
    const attrType = buf.readUInt16BE(at);
    const attrLength = buf.readUInt16BE(at + 2);
    const valueEnd = at + 4 + attrLength;
    const padded = at + 4 + Math.ceil(attrLength / 4) * 4;
    if (padded > buf.length) throw new ProtocolError(`STUN attribute 0x${attrType.toString(16)} runs past the end`);
    attributes.push({ type: attrType, value: buf.subarray(at + 4, valueEnd) });
    at = padded;
  }
  return { type, transactionId: buf.subarray(8, 20), attributes };
}

export function getAttribute(message: StunMessage, type: number): Buffer | undefined {
  return message.attributes.find((a) => a.type === type)?.value;
}

/** The USERNAME of an ICE binding request ("<receiver ufrag>:<sender ufrag>"), if any. */
export function stunUsername(message: StunMessage): string | undefined {
  const value = getAttribute(message, StunAttr.Username);
  return value ? value.toString('utf8') : undefined;
}

export function fingerprintOf(bytesBefore: Buffer): number {
  return (crc32(bytesBefore) ^ FINGERPRINT_XOR) >>> 0;
}

/** Verifies FINGERPRINT (when present) over everything before it. */
export function verifyFingerprint(buf: Buffer): boolean {
  const message = decodeStun(buf);
  const last = message.attributes[message.attributes.length - 1];
  if (!last || last.type !== StunAttr.Fingerprint || last.value.length !== 4) return false;
  return fingerprintOf(buf.subarray(0, buf.length - 8)) === last.value.readUInt32BE(0);
}

/** Verifies MESSAGE-INTEGRITY (short-term credential: key = password). */
export function verifyIntegrity(buf: Buffer, password: string): boolean {
  const message = decodeStun(buf);
  let at = HEADER_SIZE;
  for (const attr of message.attributes) {
    if (attr.type === StunAttr.MessageIntegrity) {
      const copy = Buffer.from(buf.subarray(0, at));
      copy.writeUInt16BE(at + 24 - HEADER_SIZE, 2); // length as if integrity were the last attribute
      const mac = createHmac('sha1', password).update(copy).digest();
      return mac.equals(attr.value);
    }
    at += 4 + Math.ceil(attr.value.length / 4) * 4;
  }
  return false;
}

export interface EncodeOptions {
  /** Short-term credential password: adds MESSAGE-INTEGRITY. */
  password?: string;
  fingerprint?: boolean;
}

export function encodeStun(message: StunMessage, options: EncodeOptions = {}): Buffer {
  const parts: Buffer[] = [];
  for (const attr of message.attributes) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(attr.type, 0);
    head.writeUInt16BE(attr.value.length, 2);
    parts.push(head, attr.value, Buffer.alloc((4 - (attr.value.length % 4)) % 4));
  }
  let body = Buffer.concat(parts);
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt16BE(message.type, 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  message.transactionId.copy(header, 8);
  if (options.password !== undefined) {
    header.writeUInt16BE(body.length + 24, 2);
    const mac = createHmac('sha1', options.password)
      .update(Buffer.concat([header, body]))
      .digest();
    const head = Buffer.from([0x00, 0x08, 0x00, 0x14]);
    body = Buffer.concat([body, head, mac]);
  }
  if (options.fingerprint) {
    header.writeUInt16BE(body.length + 8, 2);
    const crc = fingerprintOf(Buffer.concat([header, body]));
    const attr = Buffer.alloc(8);
    attr.writeUInt16BE(StunAttr.Fingerprint, 0);
    attr.writeUInt16BE(4, 2);
    attr.writeUInt32BE(crc, 4);
    body = Buffer.concat([body, attr]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

/** XOR-MAPPED-ADDRESS value for an IPv4 address (what a binding response carries). */
export function encodeXorMappedAddress(ip: string, port: number): Buffer {
  const octets = ip.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255)))
    throw new ProtocolError(`not an IPv4 address: ${ip}`);
  const value = Buffer.alloc(8);
  value[1] = 0x01;
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const addr = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  value.writeUInt32BE((addr ^ MAGIC_COOKIE) >>> 0, 4);
  return value;
}

export function decodeXorMappedAddress(value: Buffer): { ip: string; port: number } {
  if (value.length < 8 || value[1] !== 0x01) throw new ProtocolError('XOR-MAPPED-ADDRESS: only IPv4 is decoded here');
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const addr = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  return { ip: [addr >>> 24, (addr >>> 16) & 0xff, (addr >>> 8) & 0xff, addr & 0xff].join('.'), port };
}
