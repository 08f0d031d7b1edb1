// One RTMP client connection: client phase, routing, backend phase, then a two-way chunk relay.
// A publish whose origin dies fails over to another origin without the publisher noticing
// (docs/failover.md). The session owns its sockets and timer; close(reason) is idempotent.

import type { Socket } from 'node:net';
import { errorMessage, ProtocolError, UpstreamError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { streamFromRtmp, streamKey } from '../../shared/stream-identity.ts';
import type { BackendAddress, BackendHealth } from '../backend-health.ts';
import { type CloseReason, logClose, routeFailure } from '../close-reason.ts';
import type { ControlClient } from '../control-client.ts';
import { dialOrigin } from '../origin-dial.ts';
import { type PipeCounters, pipeThrough, StallError } from '../relay-pipe.ts';
import { sessionMetrics } from '../session-metrics.ts';
import { SocketReader } from '../socket-reader.ts';
import { runBackendPhase } from './backend-phase.ts';
import { DEFAULT_CHUNK_SIZE } from './chunk-header.ts';
import { ChunkRelay } from './chunk-relay.ts';
import { type ClientRequest, type RtmpSessionLimits, runClientPhase } from './client-phase.ts';
import { onStatus, setChunkSize } from './commands.ts';
import { ChunkStream } from './message-types.ts';
import { type FailoverHost, type OriginConnection, PUBLISH_STALL_MS, PublishFailover } from './publish-failover.ts';

export interface RtmpTimeouts {
  /** Handshake plus commands up to publish/play. */
  clientPhaseMs: number;
  /** TCP connect, handshake and createStream with the backend. */
  backendPhaseMs: number;
}

export const DEFAULT_RTMP_TIMEOUTS: RtmpTimeouts = { clientPhaseMs: 20_000, backendPhaseMs: 10_000 };

export interface RtmpSessionDeps {
  control: ControlClient;
  logger: Logger;
  timeouts: RtmpTimeouts;
  version: string;
  limits?: RtmpSessionLimits;
  /** Reports origins this node cannot reach (docs/failover.md). */
  health?: BackendHealth;
}

export class RtmpSession {
  private backend: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Set by fail(): the session ends for this reason once the client has its status. */
  private failure: { reason: CloseReason; detail: string } | undefined;
  private relaying = false;
  /** When the client connected: the start of its time to first media. */
  readonly startedAt = Date.now();
  /** What the operator's sessions view shows; filled in as the session learns it. */
  readonly view: { id: string; client: string; stream?: string; kind?: string; backend?: string } = {
    id: '',
    client: '',
  };
  /** The origin this session relays to, for failure reports. */
  private target: BackendAddress | undefined;
  /** Set for a publish: it fails over to another origin when its origin dies. */
  private failover: PublishFailover | undefined;
  private up: ChunkRelay | undefined;
  private stopPipes: Array<() => void> = [];
  /** The session's log with its stream; `log` adds the current origin. */
  private streamLog: Logger;
  readonly counters = { up: { bytes: 0 } as PipeCounters, down: { bytes: 0 } as PipeCounters };
  private log: Logger;

  constructor(
    private readonly client: Socket,
    private readonly deps: RtmpSessionDeps,
    private readonly onClosed: (session: RtmpSession) => void,
  ) {
    this.log = this.streamLog = deps.logger;
    client.setNoDelay(true);
    client.on('error', (err) => this.close('client_gone', `client error: ${err.message}`));
    client.on('close', () => this.close('client_gone', 'client closed'));
  }

  get isRelaying(): boolean {
    return this.relaying;
  }

  async run(): Promise<void> {
    const clientInput = new SocketReader(this.client);
    let request: ClientRequest;
    try {
      this.arm(this.deps.timeouts.clientPhaseMs, 'client_timeout', 'client phase timed out (no publish/play)');
      request = await runClientPhase(this.client, clientInput, this.deps.version, this.deps.limits);
    } catch (err) {
      // The reader reports the client's hang-up as a protocol error too.
      const reason = err instanceof ProtocolError && !this.client.readableEnded ? 'bad_input' : 'client_gone';
      this.close(reason, `client phase: ${errorMessage(err)}`);
      return;
    }
    if (this.closed) return;
    this.client.pause();
    const identity = (() => {
      try {
        return streamFromRtmp(request.tcUrl, request.name);
      } catch (err) {
        this.fail(request, 'NetStream.Publish.BadName', 'bad_input', errorMessage(err));
        return undefined;
      }
    })();
    if (!identity) return;
    this.log = this.streamLog = this.log.child({ stream: streamKey(identity), kind: request.kind });
    Object.assign(this.view, { stream: streamKey(identity), kind: request.kind });

    const status = request.kind === 'publish' ? 'NetStream.Publish.BadName' : 'NetStream.Play.StreamNotFound';
    this.arm(this.deps.timeouts.backendPhaseMs, 'backend_timeout', 'backend did not answer in time');
    const origin = await this.connectOrigin(identity, request);
    if (!origin) return;
    if ('reason' in origin) {
      this.fail(request, status, origin.reason, origin.detail);
      return;
    }
    const { backend, input: backendInput, session } = origin;
    this.disarm();
    const health = this.deps.health;
    if (request.kind === 'publish' && health)
      this.failover = new PublishFailover(this.failoverHost(health, identity, request), request);

    try {
      // Each decoder must expect the chunk size its source uses; announce only real changes
      // (a publisher echoes what it is told, and every extra change is one more thing to get wrong).
      if (request.reader.chunkSize !== DEFAULT_CHUNK_SIZE) {
        backend.write(session.writer.encode(ChunkStream.ProtocolControl, setChunkSize(request.reader.chunkSize)));
      }
      if (session.reader.chunkSize !== request.writer.chunkSize) {
        this.client.write(request.writer.encode(ChunkStream.ProtocolControl, setChunkSize(session.reader.chunkSize)));
      }
      const up = new ChunkRelay({
        source: request.reader.states,
        sink: session.writer.states,
        chunkSize: request.reader.chunkSize,
        msidFrom: request.msid,
        msidTo: session.msid,
        tap: this.failover?.headers,
      });
      this.up = up;
      const down = new ChunkRelay({
        source: session.reader.states,
        sink: request.writer.states,
        chunkSize: session.reader.chunkSize,
        msidFrom: session.msid,
        msidTo: request.msid,
      });
      const upLeft = Buffer.concat([request.reader.takeRemaining(), clientInput.detach()]);
      const downLeft = Buffer.concat([session.reader.takeRemaining(), backendInput.detach()]);
      const upError = (err: unknown) =>
        err instanceof StallError
          ? this.backendLost(`origin took no data for ${PUBLISH_STALL_MS / 1000} s`)
          : this.close('bad_input', `relay from client: ${errorMessage(err)}`);
      const downError = (err: unknown) =>
        err instanceof StallError
          ? this.close('client_stalled', errorMessage(err))
          : this.close('backend_gone', `relay from backend: ${errorMessage(err)}`);
      // A publish whose origin stops taking data fails over like one whose origin closed.
      const upLimits = { writeStallMs: this.failover ? PUBLISH_STALL_MS : 0 };
      this.stopPipes = [
        pipeThrough(this.client, backend, (d, out) => up.push(d, out), upError, this.counters.up, upLimits),
        pipeThrough(
          backend,
          this.client,
          (d, out) => down.push(d, out),
          downError,
          this.counters.down,
          this.deps.limits,
        ),
      ];
      const first: Buffer[] = [];
      if (upLeft.length) up.push(upLeft, first);
      for (const b of first) backend.write(b);
      first.length = 0;
      if (downLeft.length) down.push(downLeft, first);
      for (const b of first) this.client.write(b);
      this.relaying = true;
      this.deps.limits?.onRelaying?.();
      this.client.resume();
      backend.resume();
      this.log.info('rtmp relay started', { backendMsid: session.msid });
      sessionMetrics.relayStarted('rtmp', this.startedAt);
    } catch (err) {
      this.fail(request, status, 'backend_refused', errorMessage(err));
    }
  }

  /**
   * Routes the stream and opens a session with its origin (connect, createStream, publish/play).
   * An origin that refuses the connection or drops it before answering is reported (suspect at
   * once), then the stream is routed once more: the control plane now places it on a live origin.
   * An origin that answers with a refusal is not reported. Null when the session closed meanwhile.
   */
  private async connectOrigin(
    identity: ReturnType<typeof streamFromRtmp>,
    request: ClientRequest,
  ): Promise<OriginConnection | { reason: CloseReason; detail: string } | null> {
    for (let attempt = 1; ; attempt++) {
      let route: Awaited<ReturnType<ControlClient['route']>>;
      try {
        route = await this.deps.control.route({
          ...identity,
          proto: 'rtmp',
          action: request.kind,
          ip: this.client.remoteAddress ?? '',
        });
      } catch (err) {
        const reason = routeFailure(err);
        return { reason, detail: reason === 'no_backend' ? `no backend: ${errorMessage(err)}` : errorMessage(err) };
      }
      if (this.closed) return null;
      const target = { id: route.backend.id, ...route.address };
      this.target = target;
      this.log = this.streamLog.child({ backend: target.id });
      this.view.backend = target.id;
      let failure: unknown;
      try {
        const backend = await this.dial(route.address.host, route.address.port);
        if (this.closed) return null;
        const input = new SocketReader(backend);
        try {
          const session = await runBackendPhase(backend, input, request);
          return this.closed ? null : { backend, input, session };
        } catch (err) {
          // The origin's own refusal (onStatus/_error) is about the stream, not the origin.
          if (err instanceof UpstreamError)
            return this.closed ? null : { reason: 'backend_refused', detail: errorMessage(err) };
          backend.destroy();
          failure = err;
        }
      } catch (err) {
        failure = err;
      }
      await this.deps.health?.connectFailed(target, errorMessage(failure));
      if (this.closed) return null;
      if (attempt >= 2 || !this.deps.health) return { reason: 'backend_refused', detail: errorMessage(failure) };
    }
  }

  private failoverHost(
    health: BackendHealth,
    identity: ReturnType<typeof streamFromRtmp>,
    request: ClientRequest,
  ): FailoverHost {
    return {
      client: this.client,
      counters: this.counters.up,
      health,
      backendPhaseMs: this.deps.timeouts.backendPhaseMs,
      log: () => this.log,
      isClosed: () => this.closed,
      dropOrigin: () => {
        this.backend?.destroy();
        this.backend = undefined;
        for (const stop of this.stopPipes) stop();
        this.stopPipes = [];
        return { lost: this.target, position: (this.up as ChunkRelay).detach() };
      },
      connectOrigin: () => this.connectOrigin(identity, request),
      arm: (ms, reason, detail) => this.arm(ms, reason, detail),
      disarm: () => this.disarm(),
      close: (reason, detail) => this.close(reason, detail),
    };
  }

  /** Idempotent: ends both sockets and the timer, logs why once, then tells the owner. */
  close(reason: CloseReason, detail = ''): void {
    if (this.closed) return;
    this.closed = true;
    // After fail() the client's hang-up (or the flush timer) is expected: the failure is the reason.
    const why = this.failure ?? { reason, detail };
    this.disarm();
    this.failover?.stop();
    this.client.destroy();
    this.backend?.destroy();
    logClose(this.log, 'rtmp session closed', why.reason, why.detail, {
      upBytes: this.counters.up.bytes,
      downBytes: this.counters.down.bytes,
    });
    this.onClosed(this);
  }

  /** Tells the client why (an onStatus error `code`), then closes once the status is flushed. */
  private fail(request: ClientRequest, code: string, reason: CloseReason, description: string): void {
    if (this.closed || this.failure) return;
    this.failure = { reason, detail: description };
    const status = onStatus(request.msid, 'error', code, description);
    this.client.end(request.writer.encode(ChunkStream.OverStream, status));
    this.backend?.destroy();
    // end() flushes, then 'close' fires; make sure a stuck client cannot hold the session.
    this.arm(2_000, reason, description);
  }

  private dial(host: string, port: number): Promise<Socket> {
    const dial = dialOrigin(
      host,
      port,
      'backend',
      (err) => new UpstreamError(`backend ${host}:${port}: ${err.message}`),
      // Only the current origin's end matters: one replaced by a failover is gone already.
      (socket, detail) => {
        if (this.relaying && socket === this.backend) this.backendLost(detail);
      },
    );
    this.backend = dial.socket;
    return dial.connected;
  }

  private backendLost(detail: string): void {
    if (this.closed || this.failover?.originLost(detail)) return;
    if (this.target) this.deps.health?.relayLost(this.target, detail);
    this.close('backend_gone', detail);
  }

  private arm(ms: number, reason: CloseReason, detail: string): void {
    this.disarm();
    this.timer = setTimeout(() => this.close(reason, detail), ms);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
