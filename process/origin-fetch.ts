// How the Node control plane fetches origins at their private address (HLS playlists and
// segments, WHIP/WHEP): node:http over a keep-alive agent. Global fetch (undici) spent ~40 % of
// the CPU of an HLS playlist request in its WHATWG machinery; this client hands back a Response
// whose body streams straight from the socket. Requests it does not cover (redirects followed,
// non-string bodies) go to global fetch unchanged.

import { Agent, type IncomingMessage, request } from 'node:http';
import { Readable } from 'node:stream';

/** Idle connections kept per origin; more are opened under load and closed when idle. */
const MAX_FREE_SOCKETS = 64;
const IDLE_MS = 4_000;

export type OriginFetch = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * A GET (or HEAD) straight to an origin over the same agent, answered as node:http's own response
 * (no Response, no web stream): the HLS fast path's transport. `timeoutMs` bounds the whole
 * exchange, body included, as AbortSignal.timeout does for fetch.
 */
export type OriginGet = (
  address: { host: string; port: number },
  method: 'GET' | 'HEAD',
  pathAndQuery: string,
  headers: Record<string, string>,
  timeoutMs: number,
) => Promise<IncomingMessage>;

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of new Headers(headers)) out[name] = value;
  return out;
}

function timeoutError(): Error {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

export function keepAliveOriginFetch(): OriginFetch & { get: OriginGet; close(): void } {
  const agent = new Agent({
    keepAlive: true,
    keepAliveMsecs: 1000,
    maxFreeSockets: MAX_FREE_SOCKETS,
    timeout: IDLE_MS,
  });
  const originFetch = (input: string, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input);
    const body = init.body ?? undefined;
    if (init.redirect !== 'manual' || url.protocol !== 'http:' || (body !== undefined && typeof body !== 'string')) {
      return fetch(input, init);
    }
    const method = (init.method ?? 'GET').toUpperCase();
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || 80,
          path: `${url.pathname}${url.search}`,
          method,
          headers: headerRecord(init.headers),
          signal: init.signal ?? undefined,
        },
        (res) => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
          }
          const status = res.statusCode ?? 502;
          const empty = method === 'HEAD' || status === 204 || status === 304;
          if (empty) res.resume();
          try {
            const stream = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
            resolve(new Response(stream, { status, statusText: res.statusMessage, headers }));
          } catch (err) {
            res.destroy();
            reject(err); // a status a Response cannot carry
          }
        },
      );
      req.once('error', reject);
      req.end(body);
    });
  };
  const get: OriginGet = (address, method, path, headers, timeoutMs) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ agent, host: address.host, port: address.port, path, method, headers });
      const timer = setTimeout(() => req.destroy(timeoutError()), timeoutMs);
      req.once('response', (res) => {
        res.once('close', () => clearTimeout(timer));
        resolve(res);
      });
      req.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end();
    });
  return Object.assign(originFetch, { get, close: () => agent.destroy() });
}
