// The RTSP TCP listener (play only, TCP interleaved): accepts players and owns their sessions
// until they close. A player is admitted only while the node's pending limits allow it (see
// ../admission.ts) and counts as pending until its relay starts or it closes.

import { createServer, type Server } from 'node:net';
import type { ConnectionLimits, ListenAddress } from '../../shared/config.ts';
import type { Logger } from '../../shared/log.ts';
import { type Admission, refusalLogger } from '../admission.ts';
import type { CloseReason } from '../close-reason.ts';
import type { ControlClient } from '../control-client.ts';
import { nextSessionId } from '../session-id.ts';
import { sessionMetrics } from '../session-metrics.ts';
import { listenTcp } from '../tcp-listen.ts';
import { RtspSession, type RtspTimeouts } from './session.ts';

export interface RtspListener {
  port: number;
  sessions: ReadonlySet<RtspSession>;
  /** Stops accepting; existing sessions go on. */
  stopAccepting(): Promise<void>;
  /** Closes every session now. */
  closeAll(reason: CloseReason): void;
}

export interface RtspListenerDeps {
  control: ControlClient;
  logger: Logger;
  timeouts: RtspTimeouts;
  /** Shared by the node's listeners. */
  admission: Admission;
  limits: Pick<ConnectionLimits, 'writeStallMs'>;
}

export async function startRtspListener(address: ListenAddress, deps: RtspListenerDeps): Promise<RtspListener> {
  const sessions = new Set<RtspSession>();
  const logRefusal = refusalLogger((refused, notLogged) =>
    deps.logger.warn('rtsp connection refused', { reason: refused.reason, source: refused.source, notLogged }),
  );
  const server: Server = createServer((socket) => {
    const admitted = deps.admission.admit(socket.remoteAddress);
    if (!admitted.ok) {
      socket.destroy();
      logRefusal(admitted);
      return;
    }
    const cid = nextSessionId('rtsp');
    const client = `${socket.remoteAddress}:${socket.remotePort}`;
    const session = new RtspSession(
      socket,
      {
        control: deps.control,
        logger: deps.logger.child({ cid, client }),
        timeouts: deps.timeouts,
        writeStallMs: deps.limits.writeStallMs,
        onRelaying: admitted.release,
      },
      (s) => {
        admitted.release();
        sessions.delete(s);
      },
    );
    Object.assign(session.view, { id: cid, client });
    sessions.add(session);
    sessionMetrics.started('rtsp');
    void session.run();
  });
  const port = await listenTcp(server, address, (err) =>
    deps.logger.error('rtsp listener error', { err: err.message }),
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
