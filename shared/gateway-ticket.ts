// The signed header with which the edge control plane asks a data-plane node to make one request
// to one origin on the node's private network (docs/deploy-workers.md, "Through a node"). It names
// the origin's address, the method and the exact path and query, and expires within seconds, so a
// captured ticket can neither be replayed later nor pointed at another path or host. Both sides
// apply the same path rules: only HLS artefacts, the WHIP/WHEP/legacy signalling endpoints and a
// session's own delete path ever go through a node.

import { openJson, sealJson } from './signed-json.ts';
import type { Signer } from './signer.ts';

/** Where a node serves the gateway on its HTTP stream port: `<base>/sy-gateway<origin path>`. */
export const GATEWAY_PREFIX = '/sy-gateway';
export const GATEWAY_HEADER = 'x-switchyard-gateway';
/** Long enough for clock skew between the edge and a node, short enough to make replay useless. */
export const GATEWAY_TICKET_TTL_MS = 30_000;

export interface GatewayTicket {
  /** Registered backend id (for logs). */
  b: string;
  /** The origin's private address, `host:port` (IPv6 in brackets). */
  a: string;
  /** Method. */
  m: string;
  /** Path and query on the origin. */
  p: string;
  /** Expiry, ms since the epoch. */
  e: number;
}

const PURPOSE = 'origin-gateway';
const MAX_TICKET_LENGTH = 4096;

/** HLS artefacts: playlists, segments, init sections, keys and subtitles. */
const HLS_PATH = /^\/[^?#]*\.(m3u8|ts|m4s|mp4|m4a|m4v|aac|mp3|ac3|ec3|vtt|webvtt|key)$/i;
const SIGNALLING_PATH = /^\/rtc\/v1\/(whip|whep|publish|play)\/?$/;
const DELETE_PATH = /^\/rtc\/v1\/(whip|whep)\/?$/;

/** True when `method` on `pathAndQuery` is something the edge may ask a node to do. */
export function isGatewayRequest(method: string, pathAndQuery: string): boolean {
  let url: URL;
  try {
    url = new URL(pathAndQuery, 'http://origin');
  } catch {
    return false;
  }
  // Only a plain root-relative path that parsing leaves as it is: no dot segments, no host.
  if (url.origin !== 'http://origin' || `${url.pathname}${url.search}` !== pathAndQuery) return false;
  const path = url.pathname;
  if (method === 'GET' || method === 'HEAD') return HLS_PATH.test(path);
  if (method === 'POST') return SIGNALLING_PATH.test(path);
  // A session's own delete path (resource-token.ts): action=delete and the session named.
  if (method === 'DELETE')
    return DELETE_PATH.test(path) && url.searchParams.get('action') === 'delete' && url.searchParams.has('session');
  return false;
}

export function encodeGatewayTicket(ticket: GatewayTicket, signer: Signer): string {
  return sealJson(signer, PURPOSE, ticket);
}

/** The ticket if its signature verifies and it has not expired; undefined otherwise. */
export function decodeGatewayTicket(text: string, signer: Signer, now: number): GatewayTicket | undefined {
  const parsed = openJson(signer, PURPOSE, text, MAX_TICKET_LENGTH) as Partial<GatewayTicket> | undefined;
  const { b, a, m, p, e } = parsed ?? {};
  if (typeof b !== 'string' || typeof a !== 'string' || typeof m !== 'string' || typeof p !== 'string')
    return undefined;
  if (typeof e !== 'number' || e <= now) return undefined;
  return { b, a, m, p, e };
}
