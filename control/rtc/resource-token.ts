// The WHIP/WHEP resource URL Switchyard hands out. It carries what DELETE needs (backend id, the
// origin's own resource path, the ICE username) so any control-plane instance can serve it with
// no extra state; it is HMAC-signed, expires, and can only name the origin's delete path of that
// very session, so a client can neither forge one nor point DELETE anywhere else.

import { NotFoundError } from '../../shared/errors.ts';
import { openJson, sealJson } from '../../shared/signed-json.ts';
import type { Signer } from '../../shared/signer.ts';

export interface ResourceToken {
  /** Backend id. */
  b: string;
  /** The origin's resource path and query (its Location), or '' when it gave none usable. */
  l: string;
  /** ICE username of the session. */
  u: string;
  /** Expiry, ms since the epoch. */
  e: number;
}

/** A session's resource URL works this long: a day outlasts any broadcast we expect to end by DELETE. */
export const RESOURCE_TOKEN_TTL_MS = 24 * 3600_000;
const MAX_TOKEN_LENGTH = 2048;
const PURPOSE = 'rtc-resource';

/**
 * The origin's delete path for this session, or '' when its Location is anything else. SRS's
 * form: `/rtc/v1/whip/?action=delete&token=..&app=..&stream=..&session=<username>`.
 */
export function originDeletePath(location: string | null, username: string): string {
  if (!location) return '';
  let url: URL;
  try {
    url = new URL(location, 'http://origin');
  } catch {
    return '';
  }
  if (url.origin !== 'http://origin' && !/^https?:\/\//i.test(location)) return '';
  if (!/^\/rtc\/v1\/(whip|whep)\/?$/.test(url.pathname)) return '';
  if (queryValue(url.search, 'action') !== 'delete' || queryValue(url.search, 'session') !== username) return '';
  return `${url.pathname}${url.search}`;
}

/**
 * One query parameter, percent-decoded but with `+` kept: ICE ufrags may contain `+` and `/`, and
 * SRS writes the session into its Location unencoded (URLSearchParams would read `+` as a space).
 */
function queryValue(search: string, name: string): string | undefined {
  for (const pair of search.replace(/^\?/, '').split('&')) {
    const eq = pair.indexOf('=');
    if ((eq < 0 ? pair : pair.slice(0, eq)) !== name) continue;
    try {
      return decodeURIComponent(eq < 0 ? '' : pair.slice(eq + 1));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function encodeResourceToken(token: ResourceToken, signer: Signer): string {
  return sealJson(signer, PURPOSE, token);
}

const invalid = () => new NotFoundError('unknown or expired session resource');

export function decodeResourceToken(text: string, signer: Signer, now: number): ResourceToken {
  const parsed = openJson(signer, PURPOSE, text, MAX_TOKEN_LENGTH) as Partial<ResourceToken> | undefined;
  if (!parsed) throw invalid();
  const { b, l, u, e } = parsed ?? {};
  if (typeof b !== 'string' || typeof l !== 'string' || typeof u !== 'string' || typeof e !== 'number') throw invalid();
  if (e <= now) throw invalid();
  // Signed tokens only ever carry a delete path of their own session; checked again all the same.
  if (l !== '' && originDeletePath(l, u) !== l) throw invalid();
  return { b, l, u, e };
}
