// Publisher failover (docs/failover.md): when the origin of a live RTMP publish dies, the session
// keeps the publisher's connection, reports the origin (so the control plane's pick avoids it),
// routes the stream again, publishes to the new origin and hands the up-direction to the
// message-level PublisherRelay, which replays the cached headers at the next keyframe.

import type { Socket } from 'node:net';
import type { Logger } from '../../shared/log.ts';
import type { BackendAddress, BackendHealth } from '../backend-health.ts';
import type { CloseReason } from '../close-reason.ts';
import type { PipeCounters } from '../relay-pipe.ts';
import { sessionMetrics } from '../session-metrics.ts';
import type { SocketReader } from '../socket-reader.ts';
import type { BackendSession } from './backend-phase.ts';
import type { RelayPosition } from './chunk-relay.ts';
import type { ClientRequest } from './client-phase.ts';
import { MediaHeaders } from './media-headers.ts';
import { PublisherRelay } from './publisher-relay.ts';

/** An origin that takes no publish data for this long counts as dead (the "no ack" bound). */
export const PUBLISH_STALL_MS = 5_000;
/** Failovers one publish may go through; a stream whose origins keep dying is cut after that. */
const MAX_FAILOVERS = 3;

export interface OriginConnection {
  backend: Socket;
  input: SocketReader;
  session: BackendSession;
}

/** What the failover needs from its session. */
export interface FailoverHost {
  readonly client: Socket;
  readonly counters: PipeCounters;
  readonly health: BackendHealth;
  readonly backendPhaseMs: number;
  log(): Logger;
  isClosed(): boolean;
  /** Destroys the dead origin's socket and stops the zero-copy pipes; the origin and where the up relay stopped. */
  dropOrigin(): { lost: BackendAddress | undefined; position: RelayPosition };
  /** Routes and publishes again (session.ts connectOrigin); null when the session closed meanwhile. */
  connectOrigin(): Promise<OriginConnection | { reason: CloseReason; detail: string } | null>;
  arm(ms: number, reason: CloseReason, detail: string): void;
  disarm(): void;
  close(reason: CloseReason, detail: string): void;
}

export class PublishFailover {
  /** Kept from the zero-copy relay (its chunk tap) and the message-level path. */
  readonly headers = new MediaHeaders();
  private publisher: PublisherRelay | undefined;
  private failovers = 0;
  private running = false;
  private failedAt = 0;

  constructor(
    private readonly host: FailoverHost,
    private readonly request: ClientRequest,
  ) {}

  /** The origin is lost: true when the failover takes it over, false when the session must end. */
  originLost(detail: string): boolean {
    if (this.running) return true;
    if (this.failovers >= MAX_FAILOVERS) return false;
    this.run(detail).catch((err) => this.host.close('backend_gone', `failover: ${String(err)}`));
    return true;
  }

  stop(): void {
    this.publisher?.stop();
  }

  private async run(detail: string): Promise<void> {
    const host = this.host;
    this.running = true;
    this.failovers++;
    this.failedAt = Date.now();
    const { lost, position } = host.dropOrigin();
    if (this.publisher) this.publisher.detachOrigin();
    else this.publisher = this.messageLevel(position);
    host.log().warn('rtmp publisher failover', { detail, failover: this.failovers });
    sessionMetrics.publisherFailover('started');
    host.arm(host.backendPhaseMs, 'backend_timeout', `failover: no origin took the stream (${detail})`);
    // Reported before routing again, so the pick avoids the dead origin.
    if (lost) await host.health.publishCut(lost, detail);
    if (host.isClosed()) return;
    const origin = await host.connectOrigin();
    if (!origin) return;
    if ('reason' in origin) {
      host.close(origin.reason, `failover: ${origin.detail}`);
      return;
    }
    host.disarm();
    this.running = false;
    this.publisher.attach(origin.backend, origin.session, origin.input.detach());
    host.log().info('rtmp publisher re-published', { tookMs: Date.now() - this.failedAt });
  }

  private messageLevel(position: RelayPosition): PublisherRelay {
    const host = this.host;
    return new PublisherRelay(
      {
        client: host.client,
        msid: this.request.msid,
        headers: this.headers,
        stallMs: PUBLISH_STALL_MS,
        counters: host.counters,
        onOriginLost: (why) => {
          if (!this.originLost(why)) host.close('backend_gone', why);
        },
        onFailure: (reason, why) => host.close(reason, why),
        onResumed: () => {
          sessionMetrics.publisherFailover('resumed');
          host.log().info('rtmp publisher resumed at a keyframe', { sinceFailureMs: Date.now() - this.failedAt });
        },
      },
      position,
      this.request.reader.states,
    );
  }
}
