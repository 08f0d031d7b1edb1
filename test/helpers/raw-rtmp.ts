// Raw TCP RTMP peers: a client for feeding Switchyard hostile bytes, and minimal players and
// publishers (Switchyard's own backend-side client code) that can come from any loopback address,
// stop reading, or push synthetic media fast.
import { connect, type Socket } from 'node:net';
import { runBackendPhase } from '../../dataplane/rtmp/backend-phase.ts';
import { ChunkWriter } from '../../dataplane/rtmp/chunk-writer.ts';
import type { ClientRequest } from '../../dataplane/rtmp/client-phase.ts';
import { getString, setChunkSize } from '../../dataplane/rtmp/commands.ts';
import { encodeC0C1, HANDSHAKE_SIZE } from '../../dataplane/rtmp/handshake.ts';
import { MessageReader, readCommand } from '../../dataplane/rtmp/message-reader.ts';
import { SocketReader } from '../../dataplane/socket-reader.ts';

export interface RawClient {
  socket: Socket;
  send(data: Buffer): void;
  /** Milliseconds until the server closes the connection; rejects after `timeoutMs`. */
  closedWithin(timeoutMs: number): Promise<number>;
}

/** `localAddress` (any 127.x.y.z) lets a test play many client IPs. */
export async function rawClient(port: number, handshake: boolean, localAddress?: string): Promise<RawClient> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  let received = Buffer.alloc(0);
  let closedAt: number | undefined;
  socket.on('data', (d) => {
    received = Buffer.concat([received, d]);
  });
  socket.on('close', () => {
    closedAt = Date.now();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (handshake) {
    socket.write(encodeC0C1());
    const until = Date.now() + 5000;
    while (received.length < 1 + 2 * HANDSHAKE_SIZE && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    if (received.length < 1 + 2 * HANDSHAKE_SIZE) throw new Error('no S0S1S2');
    socket.write(received.subarray(1, 1 + HANDSHAKE_SIZE));
  }
  const start = Date.now();
  return {
    socket,
    send: (data) => socket.write(data),
    closedWithin: async (timeoutMs) => {
      const until = Date.now() + timeoutMs;
      while (closedAt === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      if (closedAt === undefined) {
        socket.destroy();
        throw new Error(`server kept the connection open for ${timeoutMs} ms`);
      }
      return closedAt - start;
    },
  };
}

export interface RawPeer {
  socket: Socket;
  /** Bytes received after the session started (players). */
  bytes: number;
  /** Resolves when the connection is gone. */
  closed: Promise<void>;
  close(): void;
}

export interface RawPeerOptions {
  localAddress?: string;
  /** Players: stop reading once the play starts, like a stalled client. */
  stall?: boolean;
}

/**
 * Connects, handshakes, connect/createStream, then play or publish, and waits for the server's
 * NetStream.Play.Start / NetStream.Publish.Start. Rejects on an error status or a closed socket.
 */
export async function rawRtmpPeer(
  port: number,
  kind: 'play' | 'publish',
  stream: string,
  options: RawPeerOptions = {},
): Promise<RawPeer & { msid: number; writer: ChunkWriter }> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
  const input = new SocketReader(socket, 4 * 1024 * 1024);
  const request: ClientRequest = {
    kind,
    app: 'live',
    tcUrl: `rtmp://127.0.0.1:${port}/live`,
    name: stream,
    extraArgs: kind === 'play' ? [-1000] : ['live'],
    msid: 1,
    connectExtras: {},
    reader: new MessageReader({ maxMessageSize: 1, maxBuffered: 1 }),
    writer: new ChunkWriter(),
  };
  const session = await runBackendPhase(socket, input, request);
  const started = kind === 'play' ? 'NetStream.Play.Start' : 'NetStream.Publish.Start';
  for (;;) {
    const { command } = await readCommand(session.reader, input);
    const code = command?.name === 'onStatus' ? getString(command.args[0], 'code') : undefined;
    if (code === started) break;
    if (code && getString(command?.args[0], 'level') === 'error') throw new Error(`${kind} refused: ${code}`);
  }
  const peer = {
    socket,
    bytes: session.reader.takeRemaining().length + input.detach().length,
    closed,
    close: () => socket.destroy(),
    msid: session.msid,
    writer: session.writer,
  };
  if (options.stall) socket.pause();
  else socket.on('data', (d: Buffer) => (peer.bytes += d.length));
  return peer;
}

/**
 * Publishes synthetic H.264 key frames of `frameBytes` every `intervalMs` (no encoder, so it can
 * be fast) until stopped. The frames are not decodable; origins relay them all the same.
 */
export async function rawFastPublisher(
  port: number,
  stream: string,
  options: { frameBytes?: number; intervalMs?: number } = {},
): Promise<RawPeer & { stop(): void }> {
  const peer = await rawRtmpPeer(port, 'publish', stream);
  const frame = Buffer.alloc(options.frameBytes ?? 64 * 1024);
  frame[0] = 0x17; // key frame, AVC
  frame[1] = 0x01; // NAL units
  peer.socket.write(peer.writer.encode(2, setChunkSize(65_536)));
  peer.writer.chunkSize = 65_536;
  let timestamp = 0;
  const timer = setInterval(() => {
    // Skip a tick rather than queue without bound when the other side is slower.
    if (peer.socket.writableNeedDrain) return;
    peer.socket.write(peer.writer.encode(6, { type: 9, msid: peer.msid, timestamp, payload: frame }));
    timestamp += options.intervalMs ?? 10;
  }, options.intervalMs ?? 10);
  const stop = () => {
    clearInterval(timer);
    peer.socket.destroy();
  };
  void peer.closed.then(() => clearInterval(timer));
  return { ...peer, close: stop, stop };
}
