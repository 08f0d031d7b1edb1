// HMAC-SHA256 signatures for what Switchyard hands to clients and later trusts again (WHIP/WHEP
// resource URLs, HLS segment markers). Synchronous and pure JS (@noble/hashes), so the same code
// signs inside a Worker without Node compatibility and inside the pure playlist rewriter.

import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';

const encoder = new TextEncoder();
/** 128 bits of the MAC: plenty against forgery, short enough for every segment URI. */
const SIGNATURE_BYTES = 16;

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class Signer {
  private readonly key: Uint8Array;

  constructor(key: string) {
    this.key = encoder.encode(key);
  }

  /** A URL-safe signature of `text` (22 characters). */
  sign(text: string): string {
    return toBase64Url(hmac(sha256, this.key, encoder.encode(text)).subarray(0, SIGNATURE_BYTES));
  }

  /** True when `signature` is this key's signature of `text`; compares in constant time. */
  verify(text: string, signature: string): boolean {
    return sameSignature(this.sign(text), signature);
  }
}

/** Compares a signature with the expected one in constant time (for its length). */
export function sameSignature(expected: string, signature: string): boolean {
  if (signature.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  return diff === 0;
}

/** A key for one process when none is configured (all-in-one): 32 random bytes. */
export function randomSigningKey(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}
