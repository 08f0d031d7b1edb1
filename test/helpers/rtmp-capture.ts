// Captured RTMP client exchanges (test/fixtures/rtmp/): load them, decode the client's commands,
// and replay the client's bytes with the captured timing against a server.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { type Command, decodeCommand } from '../../dataplane/rtmp/commands.ts';
import { HANDSHAKE_SIZE } from '../../dataplane/rtmp/handshake.ts';
import { MessageReader } from '../../dataplane/rtmp/message-reader.ts';
import { MessageType } from '../../dataplane/rtmp/message-types.ts';

export interface RtmpCapture {
  /** The client program and version that sent these bytes. */
  client: string;
  kind: 'publish' | 'play';
  tcUrlPath: string;
  stream: string;
  /** Every chunk of bytes the client wrote, with its offset from the TCP connect in ms. */
  writes: { ms: number; hex: string }[];
}

export function loadCapture(file: string): RtmpCapture {
  return JSON.parse(readFileSync(new URL(`../fixtures/rtmp/${file}`, import.meta.url), 'utf8'));
}

export interface DecodedMessage {
  type: number;
  msid: number;
  command?: Command;
  /** For data messages (type 18): the first AMF0 string, e.g. @setDataFrame or onMetaData. */
  dataName?: string;
  size: number;
}

/** Decodes an RTMP byte stream after `skip` handshake bytes into its messages. */
export function decodeMessages(bytes: Buffer, skip: number): DecodedMessage[] {
  const reader = new MessageReader({ maxMessageSize: 4 * 1024 * 1024, maxBuffered: 64 * 1024 * 1024 });
  reader.push(bytes.subarray(skip));
  const out: DecodedMessage[] = [];
  for (let m = reader.next(); m; m = reader.next()) {
    const isCommand = m.type === MessageType.CommandAmf0 || m.type === MessageType.CommandAmf3;
    const dataName =
      m.type === 18 && m.payload[0] === 2 ? m.payload.subarray(3, 3 + m.payload.readUInt16BE(1)).toString() : undefined;
    out.push({
      type: m.type,
      msid: m.msid,
      command: isCommand ? decodeCommand(m) : undefined,
      dataName,
      size: m.payload.length,
    });
  }
  return out;
}

/** The client's messages in a capture (after C0C1 and C2). */
export function clientMessages(capture: RtmpCapture): DecodedMessage[] {
  const all = Buffer.concat(capture.writes.map((w) => Buffer.from(w.hex, 'hex')));
  return decodeMessages(all, 1 + 2 * HANDSHAKE_SIZE);
}

export interface Replay {
  socket: Socket;
  /** Everything the server sent. */
  received(): Buffer;
  /** The server's messages so far (after S0S1S2). */
  messages(): DecodedMessage[];
  /** Resolves once every captured write has been sent. */
  sent: Promise<void>;
  closed: boolean;
}

/** Replays the client's writes in their captured timing; the socket stays open afterwards. */
export async function replayCapture(port: number, capture: RtmpCapture): Promise<Replay> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const replay: Replay = {
    socket,
    received: () => Buffer.concat(chunks),
    messages: () => decodeMessages(Buffer.concat(chunks), 1 + 2 * HANDSHAKE_SIZE),
    sent: Promise.resolve(),
    closed: false,
  };
  socket.on('close', () => (replay.closed = true));
  const start = Date.now();
  replay.sent = (async () => {
    for (const w of capture.writes) {
      const wait = w.ms - (Date.now() - start);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (replay.closed) return;
      socket.write(Buffer.from(w.hex, 'hex'));
    }
  })();
  return replay;
}
