// HLS through the proxy: playlists are fetched from the stream's backend and rewritten; segment,
// key, init and sub-playlist requests carry `sy_b` and go to that same backend, on any
// control-plane instance, with no per-session state. Mountable on the control app and on a
// data-plane node's HTTP server. The decisions live in hls-exchange.ts, shared with the Node
// fast path (process/hls-fast-path.ts).

import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { StatusCode } from 'hono/utils/http-status';
import { originUrl } from '../../shared/endpoint.ts';
import type { HlsOriginRequest, HlsResolver } from '../../shared/hls-resolver.ts';
import { passedHeaders } from '../../shared/origin-headers.ts';
import type { Signer } from '../../shared/signer.ts';
import type { StreamVariable } from '../errors.ts';
import {
  FETCH_TIMEOUT_MS,
  fetchFromBackend,
  forwardedHeaderNames,
  isHlsRequest,
  type OriginExchange,
  PLAYLIST_HEADERS,
  resolveHlsTarget,
  rewrittenPlaylist,
} from './hls-exchange.ts';

export interface HlsRouteOptions {
  /** Signs and checks segment markers; all instances serving one deployment share its key. */
  signer: Signer;
  /** How origins are reached; their private address through global fetch by default. */
  request?: HlsOriginRequest;
}

/** CORS on every HLS answer: any page may play, and read every header. */
export const HLS_CORS = { origin: '*', exposeHeaders: ['*'] };

export function createHlsRoutes(resolver: HlsResolver, options: HlsRouteOptions): Hono<{ Variables: StreamVariable }> {
  const request: HlsOriginRequest =
    options.request ?? ((backend, path, init) => fetch(originUrl(backend.address, path), init));
  const { signer } = options;
  const app = new Hono<{ Variables: StreamVariable }>();
  const hlsCors = cors(HLS_CORS);
  app.use('*', (c, next) => (isHlsRequest(new URL(c.req.url)) ? hlsCors(c, next) : next()));
  app.on(['GET', 'HEAD'], '*', async (c, next) => {
    const url = new URL(c.req.url);
    if (!isHlsRequest(url)) return next();
    const target = await resolveHlsTarget(resolver, signer, url, c.req.header('host'), (name, v) => c.set(name, v));
    const { backend, isPlaylist } = target;
    const headers = new Headers();
    for (const name of forwardedHeaderNames(isPlaylist)) {
      const value = c.req.header(name);
      if (value) headers.set(name, value);
    }
    const exchange: OriginExchange<Response> = {
      send: (path) =>
        request(backend, path, { headers, redirect: 'manual', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }),
      status: (res) => res.status,
      location: (res) => res.headers.get('location'),
      discard: (res) => res.body?.cancel(),
    };
    const { reply: res, url: finalUrl } = await fetchFromBackend(exchange, target.url);
    if (isPlaylist) {
      const body = rewrittenPlaylist(await res.text(), finalUrl, signer, backend.id);
      return new Response(c.req.method === 'HEAD' ? null : body, { headers: PLAYLIST_HEADERS });
    }
    const out = passedHeaders(res);
    return new Response(c.req.method === 'HEAD' ? null : res.body, { status: res.status as StatusCode, headers: out });
  });
  return app;
}
