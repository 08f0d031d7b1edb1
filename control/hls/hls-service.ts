// What serving HLS needs from a control app, for a transport other than its Hono routes (the Node
// fast path, process/hls-fast-path.ts): the app's own resolver, signer, request counter and
// failure log, so both answer, count and log a request the same way.

import type { HlsResolver } from '../../shared/hls-resolver.ts';
import type { Logger } from '../../shared/log.ts';
import type { Signer } from '../../shared/signer.ts';

export interface HlsService {
  resolver: HlsResolver;
  signer: Signer;
  /** Counts one answer as the app's request middleware does. */
  countRequest(path: string, status: number): void;
  /** The logger the app's error mapper writes failures to (they also go to the recent-errors view). */
  failureLogger: Logger;
  /** Origins are dialled at their registered private address (Node), not through the edge. */
  privateReach: boolean;
}

const services = new WeakMap<object, HlsService>();

export function registerHlsService(app: object, service: HlsService): void {
  services.set(app, service);
}

/** The HLS service of a control app that serves HLS (surface public or all). */
export function hlsServiceOf(app: object): HlsService | undefined {
  return services.get(app);
}
