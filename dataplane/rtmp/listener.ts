// The RTMP TCP listener: accepts clients and owns their sessions until they close. A client is
// admitted only while the node's pending limits allow it (see ../admission.ts); it counts as
// pending until its session relays or closes. Over the limit, the socket is closed at once.

import { createServer, type Server } from 'node:net';
import type { ConnectionLimits, ListenAddress } from '../../shared/config.ts';
import type { Logger } from '../../shared/log.ts';
import { type Admission, refusalLogger } from '../admission.ts';
import type { CloseReason } from '../close-reason.ts';
import { nextSessionId } from '../session-id.ts';
import { sessionMetrics } from '../session-metrics.ts';
import { listenTcp } from '../tcp-listen.ts';
import { RtmpSession, type RtmpSessionDeps } from './session.ts';

export interface RtmpListener {
  port: number;
  sessions: ReadonlySet<RtmpSession>;
  /** Stops accepting; existing sessions go on. */
  stopAccepting(): Promise<void>;
  /** Closes every session now. */
  closeAll(reason: CloseReason): void;
}

export interface RtmpListenerDeps extends Omit<RtmpSessionDeps, 'limits'> {
  /** Shared by the node's listeners. */
  admission: Admission;
  limits: Pick<ConnectionLimits, 'pendingMaxBytes' | 'writeStallMs'>;
}

export async function startRtmpListener(address: ListenAddress, deps: RtmpListenerDeps): Promise<RtmpListener> {
  const sessions = new Set<RtmpSession>();
  const { admission, limits, ...sessionDeps } = deps;
  const logRefusal = refusalLogger((refused, notLogged) =>
    deps.logger.warn('rtmp connection refused', { reason: refused.reason, source: refused.source, notLogged }),
  );
  const server: Server = createServer((socket) => {
    const admitted = admission.admit(socket.remoteAddress);
    if (!admitted.ok) {
      socket.destroy();
      logRefusal(admitted);
      return;
    }
    const cid = nextSessionId('rtmp');
    const client = `${socket.remoteAddress}:${socket.remotePort}`;
    const log: Logger = deps.logger.child({ cid, client });
    const session = new RtmpSession(
      socket,
      {
        ...sessionDeps,
        logger: log,
        limits: {
          clientPhaseMaxBytes: limits.pendingMaxBytes,
          writeStallMs: limits.writeStallMs,
          onRelaying: admitted.release,
        },
      },
      (s) => {
        admitted.release();
        sessions.delete(s);
      },
    );
    Object.assign(session.view, { id: cid, client });
    sessions.add(session);
    sessionMetrics.started('rtmp');
    void session.run();
  });
  const port = await listenTcp(server, address, (err) =>
    deps.logger.error('rtmp listener error', { err: err.message }),
  );
  return {
    port,
    sessions,
    stopAccepting: async () => {
      server.close();
    },
    closeAll: (reason) => {
      for (const s of [...sessions]) s.close(reason);
    },
  };
}
