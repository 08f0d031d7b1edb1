// HLS playlist and segment GETs served straight from node:http, ahead of the public control app:
// no WHATWG Request/Response, no Hono routing, origin answers streamed from the origin socket to
// the player's. The decisions are the Hono route's own (control/hls/hls-exchange.ts); this file is
// only a transport. What it declines goes to the app unchanged: other methods, request targets
// or Host headers @hono/node-server would normalise or refuse, paths another public route
// claims, and anything that is not HLS. test/integration/hls-fast-path.test.ts holds both to the
// same answers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Hono } from 'hono';
import { errorParts, type FailedRequest, logFailure, toSwitchyardError } from '../control/errors.ts';
import {
  FETCH_TIMEOUT_MS,
  fetchFromBackend,
  forwardedHeaderNames,
  type HlsTarget,
  isHlsRequest,
  type OriginExchange,
  PLAYLIST_HEADERS,
  resolveHlsTarget,
  rewrittenPlaylist,
} from '../control/hls/hls-exchange.ts';
import { type HlsService, hlsServiceOf } from '../control/hls/hls-service.ts';
import { InternalError, UpstreamError } from '../shared/errors.ts';
import { ORIGIN_RESPONSE_HEADERS } from '../shared/origin-headers.ts';
import type { OriginGet } from './origin-fetch.ts';
import { SingleFlight } from './single-flight.ts';

/** Serves the request and returns true, or returns false having touched nothing. */
export type NodeRequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

// @hono/node-server takes these as they are; anything else it normalises or refuses itself.
const SIMPLE_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const SIMPLE_TARGET = /^\/[!#$&-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;

/** The CORS headers the HLS routes' cors() middleware puts on every GET answer. */
const CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' };

/** A playlist of 4 Mi characters (the parser's limit) is at most this many UTF-8 bytes. */
const MAX_PLAYLIST_READ = 3 * 4 * 1024 * 1024;

/** Static path prefixes of the app's routes (before any parameter or wildcard): never HLS here. */
function claimedPrefixes(app: Pick<Hono, 'routes'>): string[] {
  const prefixes = new Set<string>();
  for (const { path } of app.routes) {
    const prefix = path.replace(/[:*].*$/, '');
    if (prefix !== '' && prefix !== '/') prefixes.add(prefix);
  }
  return [...prefixes];
}

function readText(reply: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    reply.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reply.destroy();
        reject(new UpstreamError('backend sent an invalid playlist: playlist larger than 4 MiB'));
      } else chunks.push(chunk);
    });
    reply.once('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
    reply.once('error', (err) => reject(new UpstreamError(`backend unreachable: ${err.message}`)));
  });
}

function writeSegment(req: IncomingMessage, res: ServerResponse, reply: IncomingMessage): void {
  if (res.destroyed) {
    reply.destroy(); // the player left while the origin was answering
    return;
  }
  const headers: Record<string, string> = { ...CORS };
  for (const name of ORIGIN_RESPONSE_HEADERS) {
    const value = reply.headers[name];
    if (typeof value === 'string' && value) headers[name] = value;
  }
  res.writeHead(reply.statusCode ?? 502, headers);
  if (req.method === 'HEAD') {
    reply.resume();
    res.end();
    return;
  }
  // The player going away releases the origin request; the origin failing mid-body cuts the player.
  res.once('close', () => {
    if (!reply.complete) reply.destroy();
  });
  reply.once('error', () => res.destroy());
  reply.pipe(res);
}

/**
 * The fast path of `app`'s HLS service. It declines paths the routes of `claimedBy` (by default
 * the app itself) answer otherwise: a worker serving HLS for its primary passes the public app's.
 */
export function hlsFastPath(
  app: object,
  originGet: OriginGet,
  claimedBy: Pick<Hono, 'routes'> = app as Pick<Hono, 'routes'>,
): NodeRequestHandler | undefined {
  const service = hlsServiceOf(app);
  if (!service?.privateReach) return undefined;
  const claimed = claimedPrefixes(claimedBy);
  // Players reloading one playlist at once share one origin request (see docs/hls.md).
  const playlists = new SingleFlight<Buffer>();
  return (req, res) => {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const target = req.url;
    const host = req.headers.host;
    if (!target || !host || !SIMPLE_HOST.test(host) || !SIMPLE_TARGET.test(target) || DOT_SEGMENT.test(target))
      return false;
    for (const prefix of claimed) if (target.startsWith(prefix)) return false;
    const url = new URL(`http://${host}${target}`);
    if (!isHlsRequest(url)) return false;
    void serve(service, playlists, originGet, req, res, url);
    return true;
  };
}

async function serve(
  service: HlsService,
  playlists: SingleFlight<Buffer>,
  originGet: OriginGet,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const info: FailedRequest = { method: req.method as string, path: url.pathname };
  let status = 200;
  try {
    const target = await resolveHlsTarget(service.resolver, service.signer, url, req.headers.host, (name, value) => {
      info[name] = value;
    });
    const headers: Record<string, string> = {};
    for (const name of forwardedHeaderNames(target.isPlaylist)) {
      const value = req.headers[name];
      if (typeof value === 'string' && value) headers[name] = value;
    }
    const exchange: OriginExchange<IncomingMessage> = {
      send: (path) => originGet(target.backend.address, 'GET', path, headers, FETCH_TIMEOUT_MS),
      status: (reply) => reply.statusCode ?? 502,
      location: (reply) => reply.headers.location,
      discard: (reply) => {
        reply.resume();
      },
    };
    if (target.isPlaylist) {
      const key = `${target.backend.id}\n${target.url.href}\n${headers['user-agent'] ?? ''}`;
      const body = await playlists.run(key, () => fetchPlaylist(service, exchange, target));
      if (req.method === 'HEAD') res.writeHead(200, { ...PLAYLIST_HEADERS, ...CORS }).end();
      else res.writeHead(200, { ...PLAYLIST_HEADERS, ...CORS, 'content-length': body.length }).end(body);
    } else {
      const { reply } = await fetchFromBackend(exchange, target.url);
      status = reply.statusCode ?? 502;
      writeSegment(req, res, reply);
    }
  } catch (err) {
    const mapped = toSwitchyardError(err);
    logFailure(service.failureLogger, info, mapped, err instanceof InternalError ? err.cause : err);
    status = mapped.status;
    if (res.headersSent) {
      res.destroy();
    } else {
      const answer = errorParts(mapped);
      const length = Buffer.byteLength(answer.body);
      res.writeHead(answer.status, { ...answer.headers, ...CORS, 'content-length': length });
      res.end(answer.body);
    }
  }
  service.countRequest(url.pathname, status);
}

async function fetchPlaylist(
  service: HlsService,
  exchange: OriginExchange<IncomingMessage>,
  target: HlsTarget,
): Promise<Buffer> {
  const { reply, url } = await fetchFromBackend(exchange, target.url);
  const text = await readText(reply, MAX_PLAYLIST_READ);
  // Encoded once for every player sharing it.
  return Buffer.from(rewrittenPlaylist(text, url, service.signer, target.backend.id));
}
