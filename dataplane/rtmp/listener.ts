// The RTMP TCP listener: accepts clients and owns their sessions until they close. A client is
// admitted only while the node's pending limits allow it (see ../admission.ts); it counts as
// pending until its session relays or closes. Over the limit, the socket is closed at once.

import type { ConnectionLimits, ListenAddress } from '../../shared/config.ts';
import type { Admission } from '../admission.ts';
import { type SessionListener, startSessionListener } from '../tcp-session-listener.ts';
import { RtmpSession, type RtmpSessionDeps } from './session.ts';

export type RtmpListener = SessionListener<RtmpSession>;

export interface RtmpListenerDeps extends Omit<RtmpSessionDeps, 'limits'> {
  /** Shared by the node's listeners. */
  admission: Admission;
  limits: Pick<ConnectionLimits, 'pendingMaxBytes' | 'writeStallMs'>;
}

export function startRtmpListener(address: ListenAddress, deps: RtmpListenerDeps): Promise<RtmpListener> {
  const { admission, limits, ...sessionDeps } = deps;
  return startSessionListener({
    protocol: 'rtmp',
    address,
    logger: deps.logger,
    admission,
    createSession: ({ socket, log, relaying, closed }) =>
      new RtmpSession(
        socket,
        {
          ...sessionDeps,
          logger: log,
          limits: {
            clientPhaseMaxBytes: limits.pendingMaxBytes,
            writeStallMs: limits.writeStallMs,
            onRelaying: relaying,
          },
        },
        closed,
      ),
  });
}
