// What both UDP relays (WebRTC, SRT) share: binding the public socket, a session map keyed by
// client address and port without building a key string per datagram, and rate-limited logging
// of dropped datagrams.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { ListenAddress } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';

export async function bindUdpSocket(
  address: ListenAddress,
  onMessage: (msg: Buffer, rinfo: RemoteInfo) => void,
  logger: Logger,
  recvBufferSize: number,
): Promise<Socket> {
  const socket = createSocket({ type: address.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize });
  socket.on('message', onMessage);
  socket.on('error', (err) => logger.error('udp socket error', { err: err.message }));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(address.port, address.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

export function closeUdpSocket(socket: Socket | undefined): Promise<void> {
  return new Promise((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
}

/** address -> port -> value; lookups on the hot path allocate nothing. */
export class AddressMap<T> {
  private readonly byAddress = new Map<string, Map<number, T>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(address: string, port: number): T | undefined {
    return this.byAddress.get(address)?.get(port);
  }

  set(address: string, port: number, value: T): void {
    let ports = this.byAddress.get(address);
    if (!ports) {
      ports = new Map();
      this.byAddress.set(address, ports);
    }
    if (!ports.has(port)) this.count++;
    ports.set(port, value);
  }

  /** Deletes the entry only while it still holds `value`. */
  delete(address: string, port: number, value: T): void {
    const ports = this.byAddress.get(address);
    if (ports?.get(port) !== value) return;
    ports.delete(port);
    this.count--;
    if (ports.size === 0) this.byAddress.delete(address);
  }

  values(): T[] {
    const out: T[] = [];
    for (const ports of this.byAddress.values()) for (const v of ports.values()) out.push(v);
    return out;
  }
}

/** Logs dropped datagrams at most once per interval, with the count since the last line. */
export class DropLog {
  private dropped = 0;
  private last = 0;

  constructor(
    private readonly logger: Logger,
    private readonly message: string,
    private readonly intervalMs = 10_000,
  ) {}

  drop(reason: string, rinfo: RemoteInfo): void {
    this.dropped++;
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.logger.warn(this.message, {
      reason,
      from: `${rinfo.address}:${rinfo.port}`,
      droppedSinceLastLog: this.dropped,
    });
    this.dropped = 0;
    this.last = now;
  }
}
