// A lightweight RTMP player for load generation: Switchyard's own backend-side client code
// (handshake, connect, createStream, play), then it only counts bytes.
import { connect } from 'node:net';
import { runBackendPhase } from '../dataplane/rtmp/backend-phase.ts';
import { ChunkWriter } from '../dataplane/rtmp/chunk-writer.ts';
import type { ClientRequest } from '../dataplane/rtmp/client-phase.ts';
import { MessageReader } from '../dataplane/rtmp/message-reader.ts';
import { SocketReader } from '../dataplane/socket-reader.ts';
import { type Player, PlayerStats } from './player-stats.ts';

export async function startRtmpPlayer(port: number, app: string, stream: string): Promise<Player> {
  const stats = new PlayerStats();
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
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
  const rest = input.detach().length;
  if (rest > 0) stats.read(rest);
  socket.on('data', (d: Buffer) => stats.read(d.length));
  return { stats, close: () => socket.destroy() };
}
