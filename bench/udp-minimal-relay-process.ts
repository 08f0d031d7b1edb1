// Benchmark reference: the least a Node relay can do per datagram. One public socket, one
// connected socket per client toward the echo named by ECHO_PORT, clients found by port alone
// (every bench client is on 127.0.0.1), no checks, counters, timers or session lifecycle. Its
// CPU per datagram is the floor of node:dgram on this machine, for `COMPARE_WITH=` this file.
import { createSocket, type Socket } from 'node:dgram';

const echoPort = Number(process.env.ECHO_PORT);
const pub = createSocket({
  type: 'udp4',
  recvBufferSize: 4 * 1024 * 1024,
  // Replies go to IP literals: answer at once instead of dns.lookup's next tick.
  lookup: (address, _options, callback) => callback(null, address, 4),
});
const byPort = new Map<number, Socket>();
pub.on('message', (msg, rinfo) => {
  const origin = byPort.get(rinfo.port);
  if (origin) return origin.send(msg);
  const socket = createSocket('udp4');
  const port = rinfo.port;
  byPort.set(port, socket);
  socket.on('message', (reply) => pub.send(reply, port, '127.0.0.1'));
  socket.connect(echoPort, '127.0.0.1', () => socket.send(msg));
});
await new Promise<void>((resolve) => pub.bind(0, '127.0.0.1', resolve));
console.log(`PORT ${pub.address().port}`);
process.once('SIGTERM', () => process.exit(0));
