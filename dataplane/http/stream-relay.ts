// Relays one live HTTP stream (HTTP-FLV/TS/AAC/MP3) from the stream's backend: status, headers
// and body as the backend sends them; the client's hang-up aborts the backend request at once.
//
// Play before publish: SRS answers nothing at all (not even headers) until someone publishes, so
// once the backend connection is up there is no response timeout; the wait ends when the origin
// answers or either side hangs up, and holds nothing but the two sockets (no timer).

import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { errorMessage, SwitchyardError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { streamFromHttp, streamKey } from '../../shared/stream-identity.ts';
import type { BackendHealth } from '../backend-health.ts';
import { type CloseReason, logClose, routeFailure } from '../close-reason.ts';
import type { ControlClient } from '../control-client.ts';
import { StallError } from '../relay-pipe.ts';
import { sessionMetrics } from '../session-metrics.ts';
import { SessionDeletedError } from '../session-view.ts';

export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);
/** TCP connect to the backend; after that the origin may take as long as the publisher does. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The client's X-Forwarded-For with the client's address appended. */
export function forwardedFor(req: IncomingMessage): string {
  return [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
}

export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-allow-headers': '*',
  'access-control-expose-headers': '*',
};

export function sendJsonError(res: ServerResponse, status: number, error: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ code: status, error, message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...CORS_HEADERS,
  });
  res.end(body);
}

/** A routed stream request: where it goes, and its one close line. */
export interface RoutedStream {
  route: Awaited<ReturnType<ControlClient['route']>>;
  identity: ReturnType<typeof streamFromHttp>;
  closed: (reason: CloseReason, detail: string, logger?: Logger) => void;
}

/**
 * Routes a live-stream request; answers the player (and logs the close) itself when it cannot
 * be routed or the player left meanwhile, returning undefined.
 */
export async function routeLiveStream(
  req: IncomingMessage,
  res: ServerResponse,
  control: ControlClient,
  log: Logger,
): Promise<RoutedStream | undefined> {
  let ended = false;
  /** The stream's one `http stream closed` line. */
  const closed = (reason: CloseReason, detail: string, logger = log) => {
    if (!ended) logClose(logger, 'http stream closed', reason, detail);
    ended = true;
  };
  let identity: ReturnType<typeof streamFromHttp>;
  try {
    identity = streamFromHttp(req.headers.host, req.url ?? '/');
  } catch (err) {
    closed('bad_input', errorMessage(err));
    sendJsonError(res, 400, 'bad_request', errorMessage(err));
    return undefined;
  }
  let route: RoutedStream['route'];
  try {
    route = await control.route({ ...identity, proto: 'http', action: 'play', ip: req.socket.remoteAddress ?? '' });
  } catch (err) {
    closed(routeFailure(err), errorMessage(err));
    const status = err instanceof SwitchyardError ? err.status : 502;
    sendJsonError(res, status, err instanceof SwitchyardError ? err.code : 'upstream', errorMessage(err));
    return undefined;
  }
  if (res.destroyed || req.destroyed) {
    closed('client_gone', 'client left while the stream was routed');
    return undefined;
  }
  return { route, identity, closed };
}

/** The reason a player's response closed before the origin ended it. */
export function playerCloseReason(res: ServerResponse): [CloseReason, string] {
  // The listener destroys a player that stopped reading with a StallError.
  if (res.errored instanceof StallError) return ['client_stalled', res.errored.message];
  if (res.errored instanceof SessionDeletedError) return ['deleted', res.errored.message];
  return ['client_gone', 'client closed the connection'];
}

export async function relayLiveStream(
  req: IncomingMessage,
  res: ServerResponse,
  control: ControlClient,
  log: Logger,
  /** Called once the request waits on the origin: it no longer counts as pending. */
  onWaiting?: () => void,
  health?: BackendHealth,
): Promise<void> {
  const url = req.url ?? '/';
  const startedAt = Date.now();
  const routed = await routeLiveStream(req, res, control, log);
  if (!routed) return;
  const { route, identity, closed } = routed;

  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  // SRS picks the vhost from Host, so the client's Host goes through unchanged.
  headers['x-forwarded-for'] = forwardedFor(req);

  const upstream = httpRequest({
    host: route.address.host,
    port: route.address.port,
    method: 'GET',
    path: url,
    headers,
    timeout: CONNECT_TIMEOUT_MS,
  });
  upstream.on('socket', (socket) => {
    const connected = () => {
      upstream.setTimeout(0);
      onWaiting?.();
    };
    if (socket.connecting) socket.once('connect', connected);
    else connected();
  });
  const log2 = log.child({ stream: streamKey(identity), backend: route.backend.id });
  const target = { id: route.backend.id, ...route.address };
  let finished = false;
  let timedOut = false;
  let responded = false;
  const abort = () => {
    if (finished) return closed('backend_gone', 'backend ended the stream', log2);
    closed(...playerCloseReason(res), log2);
    upstream.destroy();
  };
  res.on('close', abort);
  upstream.on('timeout', () => {
    timedOut = true;
    upstream.destroy(new Error('backend connect timed out'));
  });
  upstream.on('error', (err) => {
    const reason = timedOut ? 'backend_timeout' : responded ? 'backend_gone' : 'backend_refused';
    closed(reason, err.message, log2);
    if (reason === 'backend_gone') health?.relayLost(target, err.message);
    else health?.connectFailed(target, err.message);
    sendJsonError(res, 502, 'upstream', 'backend request failed');
  });
  upstream.on('response', (backendRes) => {
    responded = true;
    const out: Record<string, string | string[]> = { ...CORS_HEADERS };
    for (const [name, value] of Object.entries(backendRes.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
    }
    res.writeHead(backendRes.statusCode ?? 502, out);
    backendRes.pipe(res);
    backendRes.on('end', () => {
      finished = true;
    });
    backendRes.on('error', (err) => {
      closed('backend_gone', err.message, log2);
      health?.relayLost(target, err.message);
      res.destroy();
    });
    log2.info('http stream relay started', { status: backendRes.statusCode });
    sessionMetrics.relayStarted('http', startedAt);
  });
  upstream.end();
}
