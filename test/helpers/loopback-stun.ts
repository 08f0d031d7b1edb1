// A STUN server on loopback for werift peers. werift queries stun.l.google.com whenever no STUN
// server is configured (an empty iceServers list included): a test would send to the internet
// and, offline, wait out a 5 s gathering timeout per peer. This one answers every binding
// request at once with the sender's own address.
import { createSocket } from 'node:dgram';
import { decodeStun, encodeStun, encodeXorMappedAddress, StunAttr, StunType } from '../../dataplane/webrtc/stun.ts';

export async function startLoopbackStun(): Promise<{ port: number }> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, from) => {
    try {
      const request = decodeStun(msg);
      if (request.type !== StunType.BindingRequest) return;
      const value = encodeXorMappedAddress(from.address, from.port);
      const reply = encodeStun({
        type: StunType.BindingSuccess,
        transactionId: request.transactionId,
        attributes: [{ type: StunAttr.XorMappedAddress, value }],
      });
      socket.send(reply, from.port, from.address);
    } catch {
      // not STUN: ignore
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  // Lives as long as the test process, without keeping it alive.
  socket.unref();
  return { port: socket.address().port };
}
