// One relayed SRT caller: its address, the conclusion it sent, the origin socket and the
// handshake timers. Owned by SrtRelay, which closes it.

import type { Socket } from 'node:dgram';
import type { Logger } from '../../shared/log.ts';
import type { Handshake } from './handshake.ts';

export type State = 'connecting' | 'established' | 'closed';

export class SrtSession {
  state: State = 'connecting';
  lastSeen = Date.now();
  backend: Socket | undefined;
  conclusionResponse: Buffer | undefined;
  timer: NodeJS.Timeout | undefined;
  retry: NodeJS.Timeout | undefined;
  packetsUp = 0;
  packetsDown = 0;

  constructor(
    readonly callerAddress: string,
    readonly callerPort: number,
    readonly conclusion: Handshake,
    public log: Logger,
  ) {}
}

export function ipv4Field(address: string): Buffer {
  // libsrt writes the peer address as host-order 32-bit words: 127.0.0.1 arrives as 01 00 00 7f.
  const out = Buffer.alloc(16);
  const octets = address.split('.').map(Number);
  if (octets.length === 4) for (let i = 0; i < 4; i++) out[i] = octets[3 - i] as number;
  return out;
}
