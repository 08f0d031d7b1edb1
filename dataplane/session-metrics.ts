// The data plane's session metrics, in the process registry: sessions started and ended (by
// close reason), bytes relayed and the time from a client's connect to its relay starting.
// Ends are counted in logClose, where every session writes its one close line.

import { defaultRegistry } from '../shared/metrics.ts';
import type { CloseReason } from './close-reason.ts';

/** Relayed protocols, as the `protocol` label spells them. */
export type SessionProtocol = 'rtmp' | 'http' | 'webrtc' | 'srt' | 'rtsp';

const started = defaultRegistry.counter(
  'switchyard_sessions_started_total',
  'Client sessions admitted by this node, by protocol.',
  ['protocol'],
);
const ended = defaultRegistry.counter(
  'switchyard_sessions_ended_total',
  'Client sessions ended, by protocol and close reason (every reason but client_gone, idle, deleted and shutdown is a failure).',
  ['protocol', 'reason'],
);
const bytesIn = defaultRegistry.counter(
  'switchyard_received_bytes_total',
  'Bytes relayed from clients toward origins, by protocol (sessions still open are counted at scrape).',
  ['protocol'],
);
const bytesOut = defaultRegistry.counter(
  'switchyard_sent_bytes_total',
  'Bytes relayed from origins to clients, by protocol (sessions still open are counted at scrape).',
  ['protocol'],
);
const firstMedia = defaultRegistry.histogram(
  'switchyard_time_to_first_media_seconds',
  'From a client connecting to its relay carrying media (routing, origin dial and handshake).',
  ['protocol'],
  [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
);

const failovers = defaultRegistry.counter(
  'switchyard_rtmp_publisher_failovers_total',
  'RTMP publishes moved to another origin after theirs died: started, and resumed (media on the new origin).',
  ['outcome'],
);

/** `rtmp session closed` -> rtmp: every close line names its protocol first. */
function protocolOf(message: string): string {
  return message.slice(0, message.indexOf(' '));
}

export const sessionMetrics = {
  started(protocol: SessionProtocol): void {
    started.inc({ protocol });
  },
  /** Called by logClose; `fields` may carry the session's upBytes/downBytes. */
  ended(message: string, reason: CloseReason, fields?: Record<string, unknown>): void {
    const protocol = protocolOf(message);
    ended.inc({ protocol, reason });
    const up = typeof fields?.upBytes === 'number' ? fields.upBytes : 0;
    const down = typeof fields?.downBytes === 'number' ? fields.downBytes : 0;
    if (up > 0 || down > 0) addClosedBytes(protocol, up, down);
  },
  /** Bytes of a session that closed, for those whose close line does not carry them (HTTP). */
  closedBytes(protocol: SessionProtocol, up: number, down: number): void {
    addClosedBytes(protocol, up, down);
  },
  publisherFailover(outcome: 'started' | 'resumed'): void {
    failovers.inc({ outcome });
  },
  relayStarted(protocol: SessionProtocol, sinceMs: number): void {
    firstMedia.observe({ protocol }, Math.max(0, Date.now() - sinceMs) / 1000);
  },
};

/** Bytes of sessions still open, summed at scrape by whoever owns them (a listener's set). */
export type LiveBytes = () => { up: number; down: number };

const liveSources = new Map<LiveBytes, SessionProtocol>();
const closedBytes = new Map<string, { up: number; down: number }>();

function addClosedBytes(protocol: string, up: number, down: number): void {
  const total = closedBytes.get(protocol) ?? { up: 0, down: 0 };
  total.up += up;
  total.down += down;
  closedBytes.set(protocol, total);
}

/**
 * A session moves its bytes from the live sum to the closed total when it closes, so the
 * rendered counter (closed + live) never goes down. Returns the function that unregisters.
 */
export function countLiveBytes(protocol: SessionProtocol, source: LiveBytes): () => void {
  liveSources.set(source, protocol);
  return () => liveSources.delete(source);
}

defaultRegistry.onCollect(() => {
  const totals = new Map<string, { up: number; down: number }>();
  for (const [protocol, closed] of closedBytes) totals.set(protocol, { ...closed });
  for (const [source, protocol] of liveSources) {
    const live = source();
    const total = totals.get(protocol) ?? { up: 0, down: 0 };
    total.up += live.up;
    total.down += live.down;
    totals.set(protocol, total);
  }
  for (const [protocol, total] of totals) {
    bytesIn.setCollected({ protocol }, total.up);
    bytesOut.setCollected({ protocol }, total.down);
  }
});
