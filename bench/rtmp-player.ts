// A lightweight RTMP player for load generation: Switchyard's own backend-side client code
// (handshake, connect, createStream, play), then it only counts bytes.
import { connect } from 'node:net';
import { runBackendPhase } from '../dataplane/rtmp/backend-phase.ts';
import { ChunkWriter } from '../dataplane/rtmp/chunk-writer.ts';
import type { ClientRequest } from '../dataplane/rtmp/client-phase.ts';
import { MessageReader } from '../dataplane/rtmp/message-reader.ts';
import { SocketReader } from '../dataplane/socket-reader.ts';

export interface Player {
  bytes: number;
  close(): void;
}

export async function startPlayer(port: number, app: string, stream: string): Promise<Player> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const input = new SocketReader(socket, 4 * 1024 * 1024);
  const request: ClientRequest = {
    kind: 'play',
    app,
    tcUrl: `rtmp://127.0.0.1:${port}/${app}`,
    name: stream,
    extraArgs: [-1000],
    msid: 1,
    connectExtras: {},
    reader: new MessageReader({ maxMessageSize: 1, maxBuffered: 1 }),
    writer: new ChunkWriter(),
  };
  await runBackendPhase(socket, input, request);
  const player = { bytes: input.detach().length, close: () => socket.destroy() };
  socket.on('data', (d: Buffer) => {
    player.bytes += d.length;
  });
  socket.on('error', () => {});
  return player;
}
