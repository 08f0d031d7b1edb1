// Real UDP sockets for relay tests: an echo server and a client that collects what comes back.
import { createSocket, type Socket } from 'node:dgram';

export interface UdpEcho {
  port: number;
  received: number;
  close(): Promise<void>;
}

export async function startUdpEcho(): Promise<UdpEcho> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const echo: UdpEcho = {
    port: 0,
    received: 0,
    close: () => new Promise((r) => socket.close(() => r())),
  };
  socket.on('message', (msg, rinfo) => {
    echo.received++;
    socket.send(msg, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  echo.port = socket.address().port;
  return echo;
}

export interface UdpClient {
  socket: Socket;
  port: number;
  messages: Buffer[];
  send(data: Buffer, port: number): void;
  close(): Promise<void>;
}

export async function udpClient(): Promise<UdpClient> {
  const socket = createSocket('udp4');
  const messages: Buffer[] = [];
  socket.on('message', (m) => messages.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return {
    socket,
    port: socket.address().port,
    messages,
    send: (data, port) => socket.send(data, port, '127.0.0.1'),
    close: () => new Promise((r) => socket.close(() => r())),
  };
}
