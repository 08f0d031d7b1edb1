// One RTSP player: its requests up to PLAY are relayed one at a time to the stream's origin, with
// URLs rewritten both ways (urls.ts) and UDP transport refused with 461 as SRS does; once the
// origin answers PLAY, bytes pass raw both ways (interleaved `$` frames and any later request
// such as GET_PARAMETER keep-alives or TEARDOWN), with backpressure. The session owns both sockets
// and its timers; close(reason) is idempotent and logs one line.

import type { Socket } from 'node:net';
import { errorMessage, ProtocolError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { streamKey } from '../../shared/stream-identity.ts';
import { type CloseReason, logClose, routeFailure } from '../close-reason.ts';
import type { ControlClient } from '../control-client.ts';
import { dialOrigin } from '../origin-dial.ts';
import { type PipeCounters, pipeThrough, StallError } from '../relay-pipe.ts';
import { sessionMetrics } from '../session-metrics.ts';
import {
  header,
  parseRequestHead,
  parseResponseHead,
  type RtspRequest,
  RtspStatusError,
  serializeRequest,
  serializeResponse,
  setHeader,
  statusResponse,
} from './message.ts';
import { MessageReader } from './message-reader.ts';
import { interleavedTransport, parseRtspUrl, SessionUrls, streamFromRtsp } from './urls.ts';

export interface RtspTimeouts {
  /** From connect to the origin's answer to PLAY. */
  prePlayMs: number;
  /** Dialling the origin, and each of its answers before PLAY. */
  originMs: number;
}

export const DEFAULT_RTSP_TIMEOUTS: RtspTimeouts = { prePlayMs: 20_000, originMs: 10_000 };

/** What a player may ask before PLAY; the rest of RTSP (ANNOUNCE/RECORD: publishing) is refused. */
const RELAYED = new Set(['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY', 'TEARDOWN', 'GET_PARAMETER']);
const PUBLIC = 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER';

export interface RtspSessionDeps {
  control: ControlClient;
  logger: Logger;
  timeouts: RtspTimeouts;
  /** A player whose socket stays backed up this long is closed; 0 = never. */
  writeStallMs: number;
  /** Called once the relay starts: the session stops counting as pending. */
  onRelaying: () => void;
}

const passThrough = (data: Buffer, out: Buffer[]): void => {
  out.push(data);
};

export class RtspSession {
  private origin: Socket | undefined;
  private urls: SessionUrls | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private relaying = false;
  /** Set by fail(): the session ends for this reason once the client has its status. */
  private failure: { reason: CloseReason; detail: string } | undefined;
  readonly startedAt = Date.now();
  readonly view: { id: string; client: string; stream?: string; backend?: string } = { id: '', client: '' };
  readonly counters = { up: { bytes: 0 } as PipeCounters, down: { bytes: 0 } as PipeCounters };
  private log: Logger;

  constructor(
    private readonly client: Socket,
    private readonly deps: RtspSessionDeps,
    private readonly onClosed: (session: RtspSession) => void,
  ) {
    this.log = deps.logger;
    client.setNoDelay(true);
    client.on('error', (err) => this.close('client_gone', `client error: ${err.message}`));
    client.on('close', () => this.close('client_gone', 'client closed'));
  }

  get isRelaying(): boolean {
    return this.relaying;
  }

  async run(): Promise<void> {
    this.timer = setTimeout(() => this.close('client_timeout', 'no PLAY in time'), this.deps.timeouts.prePlayMs);
    const fromClient = new MessageReader(this.client);
    let fromOrigin: MessageReader | undefined;
    let cseq: string | undefined;
    try {
      for (;;) {
        const { message: request, raw } = await fromClient.next(parseRequestHead);
        request.body = raw.body;
        cseq = header(request.headers, 'CSeq');
        if (this.closed) return;
        if (!RELAYED.has(request.method)) {
          const publishing = request.method === 'ANNOUNCE' || request.method === 'RECORD';
          const [status, reason] = publishing ? [405, 'Method Not Allowed'] : [501, 'Not Implemented'];
          throw new RtspStatusError(status, reason, `method ${request.method} is not relayed (play only)`);
        }
        if (request.method === 'OPTIONS' && request.url === '*') {
          this.client.write(statusResponse(200, 'OK', cseq, [['Public', PUBLIC]]));
          continue;
        }
        if (request.method === 'SETUP') {
          const transport = interleavedTransport(header(request.headers, 'Transport'));
          if (transport === undefined) {
            // The player may retry over TCP on the same connection (ffmpeg does).
            this.client.write(statusResponse(461, 'Unsupported Transport', cseq));
            this.log.info('rtsp setup refused', { detail: 'UDP transport not supported, only TCP interleaved' });
            continue;
          }
          setHeader(request.headers, 'Transport', transport);
        }
        if (!this.urls) {
          fromOrigin = await this.connectOrigin(request.url);
          if (!fromOrigin || this.closed) return;
        }
        if (!(await this.forward(request, fromOrigin as MessageReader))) return;
        if (request.method === 'PLAY') break;
      }
    } catch (err) {
      if (this.closed) return;
      if (err instanceof RtspStatusError) {
        this.fail(err.status, err.reason, cseq, err.closeReason, err.message);
      } else if (err instanceof ProtocolError && (this.client.readableEnded || this.client.destroyed)) {
        // The message readers report a hang-up as a protocol error.
        this.close('client_gone', err.message);
      } else {
        this.fail(502, 'Bad Gateway', cseq, 'backend_refused', errorMessage(err));
      }
      return;
    }
    this.startRelay(fromClient, fromOrigin as MessageReader);
  }

  /** Routes the stream the first URL names and dials its origin; undefined when the session failed. */
  private async connectOrigin(url: string): Promise<MessageReader | undefined> {
    const target = parseRtspUrl(url);
    const identity = streamFromRtsp(target);
    this.log = this.log.child({ stream: streamKey(identity) });
    this.view.stream = streamKey(identity);
    let route: Awaited<ReturnType<ControlClient['route']>>;
    try {
      route = await this.deps.control.route({ ...identity, proto: 'rtsp' });
    } catch (err) {
      const reason = routeFailure(err);
      const [status, text] = reason === 'no_backend' ? [404, 'Not Found'] : [503, 'Service Unavailable'];
      throw new RtspStatusError(status, text, errorMessage(err), reason);
    }
    if (this.closed) return undefined;
    this.log = this.log.child({ backend: route.backend.id });
    this.view.backend = route.backend.id;
    const { host, port } = route.address;
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.urls = new SessionUrls(target.authority, target.path, authority);
    const origin = await this.withOriginTimeout(this.dial(host, port), 'dialling the origin');
    return new MessageReader(origin);
  }

  /** Sends one request to the origin and its rewritten answer to the client; false if it closed. */
  private async forward(request: RtspRequest, fromOrigin: MessageReader): Promise<boolean> {
    const urls = this.urls as SessionUrls;
    request.url = urls.toOrigin(request.url);
    (this.origin as Socket).write(serializeRequest(request));
    const { message: response, raw } = await this.withOriginTimeout(
      fromOrigin.next(parseResponseHead),
      `answering ${request.method}`,
    );
    if (this.closed) return false;
    response.body = urls.toClient(response.headers, raw.body);
    this.client.write(serializeResponse(response));
    if (request.method === 'PLAY' && response.status >= 300) {
      this.fail(
        response.status,
        response.reason,
        undefined,
        'backend_refused',
        `origin answered PLAY ${response.status}`,
      );
      return false;
    }
    return true;
  }

  private startRelay(fromClient: MessageReader, fromOrigin: MessageReader): void {
    if (this.closed) return;
    const origin = this.origin as Socket;
    this.disarm();
    this.client.pause();
    origin.pause();
    const upLeft = fromClient.detach();
    const downLeft = fromOrigin.detach();
    const upError = (err: unknown) => this.close('bad_input', `relay from client: ${errorMessage(err)}`);
    const downError = (err: unknown) =>
      err instanceof StallError
        ? this.close('client_stalled', errorMessage(err))
        : this.close('backend_gone', `relay from origin: ${errorMessage(err)}`);
    pipeThrough(this.client, origin, passThrough, upError, this.counters.up);
    pipeThrough(origin, this.client, passThrough, downError, this.counters.down, {
      writeStallMs: this.deps.writeStallMs,
    });
    if (upLeft.length > 0) origin.write(upLeft);
    if (downLeft.length > 0) this.client.write(downLeft);
    this.relaying = true;
    this.deps.onRelaying();
    this.client.resume();
    origin.resume();
    this.log.info('rtsp relay started', {});
    sessionMetrics.relayStarted('rtsp', this.startedAt);
  }

  /** Idempotent: ends both sockets and the timer, logs why once, then tells the owner. */
  close(reason: CloseReason, detail = ''): void {
    if (this.closed) return;
    this.closed = true;
    const why = this.failure ?? { reason, detail };
    this.disarm();
    this.client.destroy();
    this.origin?.destroy();
    logClose(this.log, 'rtsp session closed', why.reason, why.detail, {
      upBytes: this.counters.up.bytes,
      downBytes: this.counters.down.bytes,
    });
    this.onClosed(this);
  }

  /** Answers the client with an RTSP status, then closes once it is flushed. */
  private fail(status: number, text: string, cseq: string | undefined, reason: CloseReason, detail: string): void {
    if (this.closed || this.failure) return;
    this.failure = { reason, detail };
    this.origin?.destroy();
    this.client.end(statusResponse(status, text, cseq));
    // end() flushes, then 'close' fires; a client that reads nothing cannot hold the session.
    this.disarm();
    this.timer = setTimeout(() => this.close(reason, detail), 2_000);
  }

  private dial(host: string, port: number): Promise<Socket> {
    const dial = dialOrigin(
      host,
      port,
      'origin',
      (err) => new RtspStatusError(502, 'Bad Gateway', `origin: ${err.message}`),
      (_socket, detail) => {
        if (this.relaying) this.close('backend_gone', detail);
      },
    );
    this.origin = dial.socket;
    return dial.connected;
  }

  private withOriginTimeout<T>(work: Promise<T>, what: string): Promise<T> {
    const ms = this.deps.timeouts.originMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(new RtspStatusError(504, 'Gateway Time-out', `origin not ${what} within ${ms} ms`, 'backend_timeout')),
        ms,
      );
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
