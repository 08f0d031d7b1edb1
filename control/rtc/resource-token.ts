// The WHIP/WHEP resource URL Switchyard hands out. It carries what DELETE needs (backend id, the
// origin's own resource path, the ICE username) so any control-plane instance can serve it with
// no extra state. Only a registered backend id travels, never an address.

import { BadRequestError } from '../../shared/errors.ts';

export interface ResourceToken {
  /** Backend id. */
  b: string;
  /** The origin's resource path and query (its Location), or '' when it gave none. */
  l: string;
  /** ICE username of the session. */
  u: string;
}

// btoa/atob rather than Buffer: this runs in Workers without Node compatibility.
function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

export function encodeResourceToken(token: ResourceToken): string {
  return toBase64Url(JSON.stringify(token));
}

export function decodeResourceToken(text: string): ResourceToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(text));
  } catch {
    throw new BadRequestError('invalid session resource');
  }
  const t = parsed as Partial<ResourceToken>;
  if (typeof t?.b !== 'string' || typeof t.l !== 'string' || typeof t.u !== 'string' || text.length > 2048) {
    throw new BadRequestError('invalid session resource');
  }
  if (t.l !== '' && !t.l.startsWith('/')) throw new BadRequestError('invalid session resource');
  return { b: t.b, l: t.l, u: t.u };
}
