// The RTSP TCP listener (play only, TCP interleaved): accepts players and owns their sessions
// until they close. A player is admitted only while the node's pending limits allow it (see
// ../admission.ts) and counts as pending until its relay starts or it closes.

import type { ConnectionLimits, ListenAddress } from '../../shared/config.ts';
import type { Logger } from '../../shared/log.ts';
import type { Admission } from '../admission.ts';
import type { ControlClient } from '../control-client.ts';
import { type SessionListener, startSessionListener } from '../tcp-session-listener.ts';
import { RtspSession, type RtspTimeouts } from './session.ts';

export type RtspListener = SessionListener<RtspSession>;

export interface RtspListenerDeps {
  control: ControlClient;
  logger: Logger;
  timeouts: RtspTimeouts;
  /** Shared by the node's listeners. */
  admission: Admission;
  limits: Pick<ConnectionLimits, 'writeStallMs'>;
}

export function startRtspListener(address: ListenAddress, deps: RtspListenerDeps): Promise<RtspListener> {
  return startSessionListener({
    protocol: 'rtsp',
    address,
    logger: deps.logger,
    admission: deps.admission,
    createSession: ({ socket, log, relaying, closed }) =>
      new RtspSession(
        socket,
        {
          control: deps.control,
          logger: log,
          timeouts: deps.timeouts,
          writeStallMs: deps.limits.writeStallMs,
          onRelaying: relaying,
        },
        closed,
      ),
  });
}
