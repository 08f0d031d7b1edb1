// The HTTP stream server (PROXY_HTTP_SERVER): live streams relayed natively (the hot path);
// everything else (static files, versions, later HLS) goes to a Hono app.
//
// Limits (docs/data-plane.md, Limits): a connection is admitted only while the node's pending
// limits allow it and counts as pending until its first response is done, or its stream waits on
// the origin (play before publish: held as long as the origin holds it) or relays;
// a later live-stream request on a kept-alive connection counts again while it is routed.
// Headers are bounded in size and time; a player that stops reading is closed after the stall
// timeout.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import type { ConnectionLimits, ListenAddress } from '../../shared/config.ts';
import type { Logger } from '../../shared/log.ts';
import { type Admission, type Admitted, refusalLogger } from '../admission.ts';
import type { BackendHealth } from '../backend-health.ts';
import type { ControlClient } from '../control-client.ts';
import { StallError, StallTimer } from '../relay-pipe.ts';
import { nextSessionId } from '../session-id.ts';
import { sessionMetrics } from '../session-metrics.ts';
import { HttpStreams } from './http-streams.ts';
import { isLiveStreamRequest } from './live-paths.ts';
import { rawRelayable, relayLiveStreamRaw } from './raw-stream-relay.ts';
import { CORS_HEADERS, relayLiveStream, sendJsonError } from './stream-relay.ts';

/** Request line plus headers; players send well under 2 KiB. */
const MAX_HEADER_BYTES = 16 * 1024;
/** Whole request, body included (only non-stream requests have one). */
const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpStreamServer {
  port: number;
  /** Live streams being relayed now. */
  activeStreams(): number;
  /** Those streams, for the operator's sessions view and kick. */
  streams: HttpStreams;
  stopAccepting(): Promise<void>;
  closeAll(): void;
}

export interface HttpStreamDeps {
  control: ControlClient;
  health?: BackendHealth;
  logger: Logger;
  /** Handles every request that is not a live stream. */
  /** `env` carries the Node request (`incoming`), so handlers can see the client's address. */
  fallback: (request: Request, env: unknown) => Response | Promise<Response>;
  /** Tried before `fallback`, on node:http itself (the HLS fast path); false when it declines. */
  direct?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Shared by the node's listeners. */
  admission: Admission;
  limits: Pick<ConnectionLimits, 'writeStallMs' | 'httpHeadersMs'>;
}

export function startHttpStreamServer(address: ListenAddress, deps: HttpStreamDeps): Promise<HttpStreamServer> {
  const fallback = getRequestListener(deps.fallback);
  const { admission, limits } = deps;
  const streams = new HttpStreams();
  /** Admissions of connections whose first request has not been answered yet. */
  const firstRequest = new WeakMap<Socket, Admitted>();
  /** Sockets a raw relay writes to directly: no later request on them may get an answer. */
  const rawSockets = new WeakSet<Socket>();
  const logRefusal = refusalLogger((refused, notLogged) =>
    deps.logger.warn('http connection refused', { reason: refused.reason, source: refused.source, notLogged }),
  );

  const server: Server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: limits.httpHeadersMs,
      requestTimeout: Math.max(REQUEST_TIMEOUT_MS, limits.httpHeadersMs),
      // How often node checks those two timeouts (its default, 30 s, would let them overrun).
      connectionsCheckingInterval: Math.min(1000, limits.httpHeadersMs),
    },
    (req, res) => {
      if (rawSockets.has(req.socket)) {
        // A request pipelined behind a raw stream: answering it would corrupt that stream.
        req.socket.destroy();
        return;
      }
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const pathname = q < 0 ? url : url.slice(0, q);
      const query = q < 0 ? '' : url.slice(q + 1);
      const live = isLiveStreamRequest(pathname, query);
      let admitted = firstRequest.get(req.socket);
      firstRequest.delete(req.socket);
      if (!admitted && live && (req.method === 'GET' || req.method === 'HEAD')) {
        const again = admission.admit(req.socket.remoteAddress);
        if (!again.ok) {
          logRefusal(again);
          res.setHeader('connection', 'close');
          sendJsonError(res, 503, 'overloaded', `too many sessions starting: ${again.reason}`);
          return;
        }
        admitted = again;
      }
      if (admitted) res.once('close', admitted.release);

      if (req.method === 'OPTIONS' && live) {
        res.writeHead(204, CORS_HEADERS);
        res.end();
        return;
      }
      if ((req.method === 'GET' || req.method === 'HEAD') && live) {
        const cid = nextSessionId('http');
        const log = deps.logger.child({ cid, client: req.socket.remoteAddress });
        const control = streams.track(cid, req, res, deps.control);
        sessionMetrics.started('http');
        if (rawRelayable(req)) {
          rawSockets.add(req.socket);
          relayLiveStreamRaw(req, res, control, log, {
            onWaiting: () => admitted?.release(),
            onRelaying: () => {
              admitted?.release();
              streams.markRelaying(cid);
            },
            writeStallMs: limits.writeStallMs,
            health: deps.health,
          }).catch((err) => {
            log.error('http stream relay crashed', { err: String(err) });
            res.destroy();
          });
          return;
        }
        // The relay pipes the backend's response into `res`: from then on the session relays, and
        // the source pausing means the player's socket is backed up.
        res.once('pipe', (source: Readable) => {
          admitted?.release();
          // The relay logs the close, with reason client_stalled.
          const stall = new StallTimer(limits.writeStallMs, () => res.destroy(new StallError(limits.writeStallMs)));
          source.on('pause', stall.start);
          source.on('resume', stall.stop);
          res.once('close', stall.stop);
        });
        relayLiveStream(req, res, control, log, () => admitted?.release(), deps.health).catch((err) => {
          log.error('http stream relay crashed', { err: String(err) });
          res.destroy();
        });
        return;
      }
      if (deps.direct?.(req, res)) return;
      void fallback(req, res);
    },
  );
  server.on('connection', (socket: Socket) => {
    const admitted = admission.admit(socket.remoteAddress);
    if (!admitted.ok) {
      // No request has been read: nothing to answer yet, so the connection just closes.
      socket.destroy();
      logRefusal(admitted);
      return;
    }
    firstRequest.set(socket, admitted);
    socket.once('close', admitted.release);
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const info = server.address();
      resolve({
        port: typeof info === 'object' && info ? info.port : address.port,
        activeStreams: () => streams.size,
        streams,
        stopAccepting: async () => {
          server.close();
          server.closeIdleConnections();
        },
        closeAll: () => server.closeAllConnections(),
      });
    });
  });
}
