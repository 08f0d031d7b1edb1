// Split deployment: a node tells the control plane, every 30 s, the public address WebRTC (and
// SRT) clients reach it on, so signalling can hand that address out, and the URL where it is the
// origin gateway of an edge control plane, and where its system API answers (sessions view).

import { hostname } from 'node:os';
import type { ControlClient } from '../dataplane/control-client.ts';
import type { Config } from '../shared/config.ts';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';

export const NODE_HEARTBEAT_MS = 30_000;

/** The node's name in the control plane's node list and in its own sessions view. */
export function nodeIdOf(config: Readonly<Config>): string {
  return config.nodeId ?? `${hostname()}-${config.rtmp.port}`;
}

/** Starts the heartbeat; the returned function stops it. */
export function startNodeAnnouncer(
  control: ControlClient,
  config: Readonly<Config>,
  logger: Logger,
): () => Promise<void> {
  const node = {
    id: nodeIdOf(config),
    ...(config.webrtcCandidate
      ? { publicIp: config.webrtcCandidate, rtcPort: config.webrtc.port, srtPort: config.srt.port }
      : {}),
    ...(config.nodePublicUrl ? { gatewayUrl: config.nodePublicUrl } : {}),
    ...(config.nodeRegion ? { region: config.nodeRegion } : {}),
    ...(config.nodeAdminUrl ? { adminUrl: config.nodeAdminUrl } : {}),
  };
  const beat = () =>
    control.announce(node).catch((err) => logger.warn('node heartbeat failed', { err: errorMessage(err) }));
  void beat();
  const timer = setInterval(beat, NODE_HEARTBEAT_MS);
  timer.unref();
  return async () => clearInterval(timer);
}
