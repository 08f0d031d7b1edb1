// What every route of the control app needs, assembled once per app instance.

import type { Logger } from '../shared/log.ts';
import type { NetworkList } from '../shared/networks.ts';
import type { Signer } from '../shared/signer.ts';
import type { StreamVariable } from './errors.ts';
import type { BackendWatch } from './metrics/backend-gauges.ts';
import type { ControlMetrics } from './metrics/control-metrics.ts';
import type { RecentErrors } from './metrics/recent-errors.ts';
import type { BackendStore } from './store/store.ts';

/** How this proxy identifies itself in SRS-shaped replies (`server`, `service`, `pid`). */
export interface ServerIdentity {
  server: string;
  service: string;
  pid: string;
}

export interface ControlDeps {
  store: BackendStore;
  logger: Logger;
  identity: ServerIdentity;
  /** Heartbeats younger than this keep a backend alive. */
  aliveMs: number;
  /** How long a reported backend stays suspect before it is dead (PROXY_BACKEND_SUSPECT_WINDOW). */
  suspectMs?: number;
  registerSecret?: string;
  /** The operator's SRS-style hook URL (PROXY_HOOKS_URL): asked before routing a publish/play, and on origin hooks. */
  hooksUrl?: string;
  controlToken?: string;
  /** Signs what clients hand back: WHIP/WHEP resource URLs and HLS segment markers. */
  signer: Signer;
  /** Where registered origins may live; loopback and private ranges by default. */
  backendNetworks?: NetworkList;
  /** A header the runtime sets with the client's address (`cf-connecting-ip` on Workers); none on Node. */
  clientAddressHeader?: string;
  /** Injectable for tests; Date.now by default. */
  now?: () => number;
  /** Injectable for tests; Math.random by default. */
  random?: () => number;
  /**
   * Where WebRTC clients send media when no node announced itself: the local node's UDP port
   * (all-in-one) and, when configured, its public IP (PROXY_WEBRTC_CANDIDATE). Without a host
   * the request's Host is used when it is an IP, else 127.0.0.1.
   */
  rtcCandidate?: { host?: string; port: number };
  /** Called when DELETE ends a WebRTC session (the all-in-one data plane drops it at once). */
  onRtcSessionDeleted?: (username: string) => void;
  /** How origins are fetched (HLS, WHIP/WHEP); global fetch by default. */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /**
   * How origins are fetched at their private address (`private` reach) when `fetch` is not set:
   * Node passes a keep-alive node:http client (process/origin-fetch.ts); global fetch otherwise.
   */
  originFetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /**
   * `private` (Node): dial origins' registered addresses. `edge` (Workers): an origin's public
   * URL, else through a data-plane node's gateway (origin-reach.ts).
   */
  originReach?: 'private' | 'edge';
  /** Builds origins' public URLs from their registration (PROXY_ORIGIN_URL_TEMPLATE). */
  originUrlTemplate?: string;
  /** Counters and gauges; the process's (or isolate's) registry by default. Share one between apps. */
  metrics?: ControlMetrics;
  /** Notices backends that died; share one between the apps of a process so each death logs once. */
  backendWatch?: BackendWatch;
  /** How long a stream binding lives after its last use (PROXY_STREAM_TTL), for the bindings view. */
  streamTtlMs?: number;
  /** The last failed requests, for the status page; share one between the apps of a process. */
  recentErrors?: RecentErrors;
}

/** What every route sees: the deps with their defaults filled in. */
export type ResolvedDeps = Required<
  Pick<ControlDeps, 'now' | 'random' | 'metrics' | 'backendWatch' | 'streamTtlMs' | 'recentErrors'>
> &
  ControlDeps;

export type ControlEnv = {
  Variables: { deps: ResolvedDeps } & StreamVariable;
};

function randomId(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export function newServerIdentity(pid: string): ServerIdentity {
  return { server: `vid-${randomId(7)}`, service: randomId(8), pid };
}
