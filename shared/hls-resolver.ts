// How HLS requests find their origin. The control plane resolves through its store; a data-plane
// node serving HLS itself (PROXY_HLS_ON_NODE) resolves through the control plane's API.

import type { StreamIdentity } from './stream-identity.ts';

export interface HlsBackend {
  id: string;
  address: { host: string; port: number };
  /** Public base URL of its HTTP port, for an edge control plane (direct reach). */
  publicUrl?: string;
  region?: string;
}

/** Sends one request for `pathAndQuery` to a backend's HTTP port, however it is reached. */
export type HlsOriginRequest = (backend: HlsBackend, pathAndQuery: string, init: RequestInit) => Promise<Response>;

/** Where HLS requests go: a new playlist is routed; a tagged request names its backend. */
export interface HlsResolver {
  route(identity: StreamIdentity): Promise<HlsBackend>;
  lookup(backendId: string): Promise<HlsBackend | null>;
}
