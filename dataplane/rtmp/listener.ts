// The RTMP TCP listener: accepts clients and owns their sessions until they close.

import { createServer, type Server } from 'node:net';
import type { ListenAddress } from '../../shared/config.ts';
import type { Logger } from '../../shared/log.ts';
import type { CloseReason } from '../close-reason.ts';
import { nextSessionId } from '../session-id.ts';
import { RtmpSession, type RtmpSessionDeps } from './session.ts';

export interface RtmpListener {
  port: number;
  sessions: ReadonlySet<RtmpSession>;
  /** Stops accepting; existing sessions go on. */
  stopAccepting(): Promise<void>;
  /** Closes every session now. */
  closeAll(reason: CloseReason): void;
}

export function startRtmpListener(address: ListenAddress, deps: RtmpSessionDeps): Promise<RtmpListener> {
  const sessions = new Set<RtmpSession>();
  const server: Server = createServer((socket) => {
    const log: Logger = deps.logger.child({
      cid: nextSessionId('rtmp'),
      client: `${socket.remoteAddress}:${socket.remotePort}`,
    });
    const session = new RtmpSession(socket, { ...deps, logger: log }, (s) => sessions.delete(s));
    sessions.add(session);
    void session.run();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      server.on('error', (err) => deps.logger.error('rtmp listener error', { err: err.message }));
      const info = server.address();
      resolve({
        port: typeof info === 'object' && info ? info.port : address.port,
        sessions,
        stopAccepting: async () => {
          server.close();
        },
        closeAll: (reason) => {
          for (const s of [...sessions]) s.close(reason);
        },
      });
    });
  });
}
