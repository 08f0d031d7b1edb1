// A TCP listener that owns one session per connection (RTMP, RTSP): admission against the node's
// pending limits (a refused socket is closed at once, refusals logged once per window), the
// session table, session ids and metrics, and binding. A protocol supplies only how to build its
// session. A failed bind rejects (the data plane names the setting); later errors are logged.

import { createServer, type Server, type Socket } from 'node:net';
import type { ListenAddress } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { type Admission, refusalLogger } from './admission.ts';
import type { CloseReason } from './close-reason.ts';
import { nextSessionId } from './session-id.ts';
import { type SessionProtocol, sessionMetrics } from './session-metrics.ts';

export interface TcpSession {
  /** What the operator's sessions view shows; the listener fills in id and client. */
  readonly view: { id: string; client: string };
  run(): Promise<void>;
  close(reason: CloseReason): void;
}

export interface SessionListener<S> {
  port: number;
  sessions: ReadonlySet<S>;
  /** Stops accepting; existing sessions go on. */
  stopAccepting(): Promise<void>;
  /** Closes every session now. */
  closeAll(reason: CloseReason): void;
}

/** What a protocol gets to build one session. */
export interface NewSession<S> {
  socket: Socket;
  /** The session's logger, with its id and client address. */
  log: Logger;
  /** Call when the session starts relaying: it stops counting as pending. Idempotent. */
  relaying: () => void;
  /** Call once when the session has closed: releases admission and the table entry. */
  closed: (session: S) => void;
}

export interface SessionListenerOptions<S> {
  protocol: SessionProtocol;
  address: ListenAddress;
  logger: Logger;
  admission: Admission;
  createSession(next: NewSession<S>): S;
}

export async function startSessionListener<S extends TcpSession>(
  options: SessionListenerOptions<S>,
): Promise<SessionListener<S>> {
  const { protocol, logger, admission } = options;
  const sessions = new Set<S>();
  const logRefusal = refusalLogger((refused, notLogged) =>
    logger.warn(`${protocol} connection refused`, { reason: refused.reason, source: refused.source, notLogged }),
  );
  const server: Server = createServer((socket) => {
    const admitted = admission.admit(socket.remoteAddress);
    if (!admitted.ok) {
      socket.destroy();
      logRefusal(admitted);
      return;
    }
    const cid = nextSessionId(protocol);
    const client = `${socket.remoteAddress}:${socket.remotePort}`;
    const session = options.createSession({
      socket,
      log: logger.child({ cid, client }),
      relaying: admitted.release,
      closed: (s) => {
        admitted.release();
        sessions.delete(s);
      },
    });
    Object.assign(session.view, { id: cid, client });
    sessions.add(session);
    sessionMetrics.started(protocol);
    void session.run();
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.address.port, options.address.host, () => {
      server.off('error', reject);
      server.on('error', (err) => logger.error(`${protocol} listener error`, { err: err.message }));
      const info = server.address();
      resolve(typeof info === 'object' && info ? info.port : options.address.port);
    });
  });
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
