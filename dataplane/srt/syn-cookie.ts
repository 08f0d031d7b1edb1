// SYN cookies for the SRT induction: a keyed hash of the caller's address and a one-minute time
// bucket, so an induction costs no state and a spoofed source cannot forge a conclusion.

import { createHmac, randomBytes } from 'node:crypto';

const BUCKET_MS = 60_000;

export class SynCookies {
  private readonly key = randomBytes(32);

  make(address: string, port: number, now = Date.now()): number {
    return this.at(address, port, Math.floor(now / BUCKET_MS));
  }

  /** Accepts the current and the previous bucket's cookie. */
  check(cookie: number, address: string, port: number, now = Date.now()): boolean {
    const bucket = Math.floor(now / BUCKET_MS);
    return cookie === this.at(address, port, bucket) || cookie === this.at(address, port, bucket - 1);
  }

  private at(address: string, port: number, bucket: number): number {
    return createHmac('sha256', this.key).update(`${address}|${port}|${bucket}`).digest().readUInt32BE(0);
  }
}
