// A JSON value with its signature, URL-safe (`<base64url payload>.<signature>`): what Switchyard
// hands out and later trusts again (WHIP/WHEP resource URLs, node gateway tickets). The purpose
// is signed along, so a value signed for one use never verifies as another.
// btoa/atob rather than Buffer: this runs in Workers without Node compatibility.

import type { Signer } from './signer.ts';

function toBase64Url(text: string): string {
  let binary = '';
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

export function sealJson(signer: Signer, purpose: string, value: unknown): string {
  const payload = toBase64Url(JSON.stringify(value));
  return `${payload}.${signer.sign(`${purpose}\n${payload}`)}`;
}

/** The value if `text` is no longer than `maxLength` and its signature for `purpose` verifies. */
export function openJson(signer: Signer, purpose: string, text: string, maxLength: number): unknown {
  const dot = text.lastIndexOf('.');
  if (text.length > maxLength || dot < 1) return undefined;
  const payload = text.slice(0, dot);
  if (!signer.verify(`${purpose}\n${payload}`, text.slice(dot + 1))) return undefined;
  try {
    return JSON.parse(fromBase64Url(payload));
  } catch {
    return undefined;
  }
}
