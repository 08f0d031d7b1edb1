// A raw TCP RTMP client for feeding Switchyard hostile bytes.
import { connect, type Socket } from 'node:net';
import { encodeC0C1, HANDSHAKE_SIZE } from '../../dataplane/rtmp/handshake.ts';

export interface RawClient {
  socket: Socket;
  send(data: Buffer): void;
  /** Milliseconds until the server closes the connection; rejects after `timeoutMs`. */
  closedWithin(timeoutMs: number): Promise<number>;
}

export async function rawClient(port: number, handshake: boolean): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
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
