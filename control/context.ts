// What every route of the control app needs, assembled once per app instance.

import type { Logger } from '../shared/log.ts';
import type { NetworkList } from '../shared/networks.ts';
import type { Signer } from '../shared/signer.ts';
import type { StreamVariable } from './errors.ts';
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
  /** How HLS reaches backends; global fetch by default. */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
}

export type ControlEnv = {
  Variables: { deps: Required<Pick<ControlDeps, 'now' | 'random'>> & ControlDeps } & StreamVariable;
};

function randomId(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export function newServerIdentity(pid: string): ServerIdentity {
  return { server: `vid-${randomId(7)}`, service: randomId(8), pid };
}
