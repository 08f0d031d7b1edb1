// Shapes exchanged between the control plane, data-plane nodes and operators.

import type { Endpoint } from './endpoint.ts';

/** The endpoint families a backend announces, named as in SRS's heartbeat. */
export const BACKEND_PROTOCOLS = ['rtmp', 'http', 'api', 'srt', 'rtc', 'rtsp'] as const;
export type BackendProtocol = (typeof BACKEND_PROTOCOLS)[number];

export function isBackendProtocol(value: unknown): value is BackendProtocol {
  return typeof value === 'string' && (BACKEND_PROTOCOLS as readonly string[]).includes(value);
}

/** The ports an origin may expose to the edge under a public name. */
export const PUBLIC_PROTOCOLS = ['http', 'api'] as const;
export type PublicProtocol = (typeof PUBLIC_PROTOCOLS)[number];

/** A registered backend as the store keeps it. */
export interface BackendRecord {
  /** Stable slot id: the SRS server id, so a restarted origin replaces its old entry. */
  id: string;
  ip: string;
  server: string;
  service: string;
  pid: string;
  deviceId?: string;
  /** Where the registration came from (client address, or "config" for the default backend). */
  source?: string;
  endpoints: Record<BackendProtocol, Endpoint[]>;
  /**
   * Public base URLs (`https://name`) a Cloudflare Worker fetches this origin's HTTP (HLS) and API
   * (WHIP/WHEP) ports through, e.g. Cloudflare Tunnel hostnames. Only the edge control plane ever
   * dials them; data-plane nodes dial the private address.
   */
  publicUrls?: Partial<Record<PublicProtocol, string>>;
  /** Where the origin runs, so the edge prefers a node gateway in the same region. */
  region?: string;
  /** Last heartbeat, ms since the epoch. */
  updatedAt: number;
  /** Load from SRS's heartbeat summaries (absent without `summaries on`); see control/placement.ts. */
  load?: BackendLoad;
  /** Relative capacity from registration (default 1): a backend of weight 2 takes twice the load. */
  weight?: number;
  /** When a node reported a failed connection to it (cleared by the next heartbeat or a good probe). */
  suspectAt?: number;
}

/** What placement uses from a heartbeat's summaries; `score` is in stream-equivalents. */
export interface BackendLoad {
  /** System CPU use, 0..1 per SRS (`system.cpu_percent`). */
  cpu: number;
  /** Connections SRS holds (`system.conn_srs`). */
  connections: number;
  /** Send plus receive rate of SRS's own sockets, from two heartbeats' byte counters; 0 on the first. */
  kbps: number;
  /** SRS's byte counters and their sample time, kept to compute the next `kbps`. */
  sample: { at: number; bytes: number };
  score: number;
}

export interface RouteRequest {
  vhost: string;
  app: string;
  stream: string;
  proto: BackendProtocol;
  /** With PROXY_HOOKS_URL set, a publish or play is checked there before routing (edge auth). */
  action?: 'publish' | 'play';
  /** The client's query string (no `?`) and address, passed to the hook URL. */
  query?: string;
  ip?: string;
}

export interface RouteResponse {
  code: 0;
  stream: string;
  backend: { id: string; ip: string; server: string; service: string; pid: string; deviceId?: string };
  /** Where to dial for the requested protocol. */
  address: { host: string; port: number };
}

export interface ServerView extends BackendRecord {
  alive: boolean;
  /** `alive`, `suspect` (a node reported it; avoided for new streams) or `dead`. */
  state: BackendState;
  lastHeartbeatAgoMs: number;
  /** Marked draining by an operator: keeps its streams, gets no new ones. */
  draining: boolean;
}

export type BackendState = 'alive' | 'suspect' | 'dead';

/** A WebRTC session as the control plane hands it to data-plane nodes. */
export interface RtcSession {
  /** ICE USERNAME the client puts in its binding requests: "<answer ufrag>:<offer ufrag>". */
  username: string;
  backendId: string;
  /** Where the origin receives this session's media (its RTC UDP endpoint). */
  media: { host: string; port: number };
  stream: string;
  kind: 'publish' | 'play';
  createdAt: number;
  /**
   * The origin's ICE password (the answer's a=ice-pwd): the key of the MESSAGE-INTEGRITY a client
   * puts in its binding requests, so a node can tell the real client from one that only knows
   * the username before letting the session move to a new address.
   */
  icePwd?: string;
}

/** A data-plane node as it announces itself, so signalling can hand its address to clients. */
export interface NodeRecord {
  id: string;
  /** Address clients reach the node's UDP ports on; absent for a node that is only a gateway. */
  publicIp?: string;
  rtcPort?: number;
  srtPort?: number;
  /**
   * Base URL (a host name on a port a Worker can fetch) where the node acts as the origin gateway
   * for an edge control plane (`<gatewayUrl>/sy-gateway/...`, shared/gateway-ticket.ts).
   */
  gatewayUrl?: string;
  /** Region hint: the edge prefers a gateway in its origin's region. */
  region?: string;
  /**
   * Where the node's own system API answers (PROXY_NODE_ADMIN_URL): the control plane on Node
   * gathers and kicks sessions there; a Worker only lists it.
   */
  adminUrl?: string;
  updatedAt: number;
}
