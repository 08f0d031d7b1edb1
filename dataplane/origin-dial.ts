// Dials a session's origin over TCP (TCP_NODELAY: commands and the first media go out at once).
// The socket is returned at once, so a session closing while it connects can destroy it; the
// promise settles on connect or on the first error (as `refused(err)`). Afterwards `lost` hears
// the socket closing or failing, with a detail naming the origin as the caller calls it.

import { connect, type Socket } from 'node:net';

export interface OriginDial {
  socket: Socket;
  connected: Promise<Socket>;
}

export function dialOrigin(
  host: string,
  port: number,
  /** 'backend' or 'origin': how the session's logs name the far end. */
  name: string,
  refused: (err: Error) => Error,
  lost: (socket: Socket, detail: string) => void,
): OriginDial {
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  const connected = new Promise<Socket>((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', (err) => reject(refused(err)));
  });
  socket.on('close', () => lost(socket, `${name} closed`));
  socket.on('error', (err) => lost(socket, `${name} error: ${err.message}`));
  return { socket, connected };
}
