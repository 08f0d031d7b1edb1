// A raw SRT caller for relay tests: the handshake ffmpeg/libsrt sends (captured fixtures), with a
// fresh socket id, the SYN cookie the relay hands out and any stream id.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  decodeHandshake,
  ExtensionType,
  encodeHandshake,
  encodeStreamId,
  type Handshake,
  HandshakeType,
} from '../../dataplane/srt/handshake.ts';
import type { UdpClient } from './udp.ts';

const hex = (name: string) =>
  Buffer.from(readFileSync(new URL(`../fixtures/srt/${name}.hex`, import.meta.url), 'utf8').trim(), 'hex');
export const INDUCTION = hex('ffmpeg-publish-induction');
export const CONCLUSION = decodeHandshake(hex('ffmpeg-publish-conclusion'));

/** Induction, then the caller's conclusion carrying the cookie the relay handed out. */
export async function induct(client: UdpClient, port: number): Promise<Handshake> {
  const socketId = randomBytes(4).readUInt32BE(0) >>> 1;
  const induction = decodeHandshake(INDUCTION);
  client.send(encodeHandshake({ ...induction, socketId }), port);
  const hs = decodeHandshake(await nextMessage(client));
  assert.equal(hs.type, HandshakeType.Induction);
  assert.equal(hs.destination, socketId);
  return { ...CONCLUSION, socketId, cookie: hs.cookie };
}

/** The conclusion with its SID extension replaced (or removed, for undefined). */
export function withStreamId(hs: Handshake, streamId: string | undefined): Handshake {
  const others = hs.extensions.filter((e) => e.type !== ExtensionType.Sid);
  if (streamId === undefined) return { ...hs, extensions: others };
  return { ...hs, extensions: [...others, { type: ExtensionType.Sid, content: encodeStreamId(streamId) }] };
}

export async function nextMessage(client: UdpClient, timeoutMs = 2000): Promise<Buffer> {
  const until = Date.now() + timeoutMs;
  while (client.messages.length === 0) {
    if (Date.now() > until) throw new Error('no reply');
    await new Promise((r) => setTimeout(r, 10));
  }
  return client.messages.shift() as Buffer;
}
