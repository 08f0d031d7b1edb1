// The state the control plane keeps: registered backends and stream -> backend bindings.
// Two implementations (memory, Upstash Redis) pass one conformance suite.

import type { BackendProtocol, BackendRecord, BackendState, NodeRecord, RtcSession } from '../../shared/api-types.ts';

export interface StoreOptions {
  /** A backend whose last heartbeat is older than this is dead. */
  aliveMs: number;
  /**
   * A backend a node reported (failed connection) is suspect: new streams avoid it. Without a
   * heartbeat or a good probe for this long after the report it is dead. 5 s by default.
   */
  suspectMs?: number;
  /** A stream binding lives this long after its last use. */
  streamTtlMs: number;
  /** A WebRTC session lives this long after it is stored or last looked up by a node. */
  rtcSessionTtlMs: number;
  /** Registered backends at most (live and recently dead); 10,000 by default. */
  maxBackends?: number;
  /** Stream bindings at most; when full, a new stream gets no backend rather than evicting one. */
  maxStreams?: number;
}

export const DEFAULT_MAX_BACKENDS = 10_000;
export const DEFAULT_SUSPECT_MS = 5_000;
export const DEFAULT_MAX_STREAMS = 200_000;

/** WebRTC sessions: nodes look theirs up every 15 s, so two minutes outlives a missed beat. */
export const DEFAULT_RTC_SESSION_TTL_MS = 120_000;

/**
 * What a registration did: `new`, the backend appeared (or came back after dying); `changed`, a
 * live backend re-registered with another pid, service or address (a restart); `ok`, a heartbeat
 * of a known backend; `taken`, a live entry with that id was registered from another
 * source (only with `sameSourceOnly`); `full`, the table holds `maxBackends` other entries.
 */
export type UpsertResult = 'new' | 'changed' | 'ok' | 'taken' | 'full';

/** How a stream got its backend: its live binding, a first binding, or a new one after its backend died. */
export type RouteDecision = 'existing' | 'new' | 'repick';

export interface Picked {
  backend: BackendRecord;
  decision: RouteDecision;
}

export interface UpsertOptions {
  /** Refuse to replace a live entry registered from another `source` (no registration secret). */
  sameSourceOnly: boolean;
}

/** A live stream binding as the operator's bindings view shows it. */
export interface BindingView {
  stream: string;
  backendId: string;
  /** Until the binding expires unless used again. */
  ttlMs: number;
  /** The protocols that routed to it since it was bound to this backend, sorted. */
  protocols: BackendProtocol[];
}

export interface BackendStore {
  /**
   * Adds a backend or refreshes its heartbeat; the same `id` (SRS server id) replaces the old
   * entry, within the rules of `options`. A full table never evicts an entry.
   */
  upsertBackend(backend: BackendRecord, options?: UpsertOptions): Promise<UpsertResult>;
  /** One backend by id (alive or recently dead), or null. */
  getBackend(id: string): Promise<BackendRecord | null>;
  /** Backends registered within twice the alive window (dead ones stay visible for a while). */
  listBackends(): Promise<BackendRecord[]>;
  /**
   * The backend bound to `streamKey` while it is alive (draining or not: a binding stays);
   * otherwise binds the cheapest live backend with a `proto` endpoint that is not draining
   * (control/placement.ts; `random` in [0, 1) breaks ties), and says how: `existing`, `new` or
   * `repick` (its binding pointed at a backend no longer alive). Suspect backends are used only
   * when no alive one has the protocol. A registration with a new service/pid (a restarted origin)
   * drops the bindings it had. Null when no live, non-draining backend has one. Throws
   * UnavailableError when the binding table is full (live bindings are never evicted).
   */
  pickBackend(streamKey: string, proto: BackendProtocol, now: number, random: number): Promise<Picked | null>;
  /** Marks a backend draining (no new streams are bound to it) or not; kept apart from its heartbeats. */
  setDraining(id: string, draining: boolean): Promise<void>;
  /** Ids of the backends marked draining. */
  listDraining(): Promise<string[]>;
  /** Live stream bindings (stream key -> backend id), at most `limit`. */
  listBindings(limit: number, now: number): Promise<BindingView[]>;
  /** A node's report: `ok` false marks the backend suspect (if not already), true clears it. False if unknown. */
  reportBackend(id: string, ok: boolean, now: number): Promise<boolean>;
  /** Binds `streamKey` to a backend that is not dead (an origin's on_publish); false if it cannot. */
  bindStream(streamKey: string, backendId: string, now: number): Promise<boolean>;
  /** Drops the binding of `streamKey` if it points at `backendId` (an origin's on_unpublish). */
  unbindStream(streamKey: string, backendId: string): Promise<boolean>;
  /** Stores a WebRTC session under its ICE username for the RTC session TTL. */
  putRtcSession(session: RtcSession): Promise<void>;
  /** The session, with its TTL refreshed; null when unknown or expired. */
  touchRtcSession(username: string, now: number): Promise<RtcSession | null>;
  deleteRtcSession(username: string): Promise<void>;
  /** Adds or refreshes a data-plane node (kept for twice the alive window). */
  upsertNode(node: NodeRecord): Promise<void>;
  listNodes(): Promise<NodeRecord[]>;
  close(): Promise<void>;
}

/** Whether a registration may take the slot `existing` holds (see UpsertOptions). */
export function mayReplace(existing: BackendRecord | undefined, next: BackendRecord, options: StoreOptions): boolean {
  if (!existing || existing.source === next.source) return true;
  return !isAlive(existing, next.updatedAt, options.aliveMs);
}

/** What a successful registration was, given the entry it replaced. */
export function registrationKind(
  existing: BackendRecord | undefined,
  next: BackendRecord,
  aliveMs: number,
): UpsertResult {
  if (!existing || !isAlive(existing, next.updatedAt, aliveMs)) return 'new';
  const same = existing.pid === next.pid && existing.service === next.service && existing.ip === next.ip;
  return same ? 'ok' : 'changed';
}

export function isAlive(backend: BackendRecord, now: number, aliveMs: number): boolean {
  return now - backend.updatedAt <= aliveMs;
}

/** alive, suspect (reported within the suspect window, no heartbeat since) or dead. */
export function backendState(
  backend: BackendRecord,
  now: number,
  options: Pick<StoreOptions, 'aliveMs' | 'suspectMs'>,
): BackendState {
  if (!isAlive(backend, now, options.aliveMs)) return 'dead';
  if (backend.suspectAt === undefined) return 'alive';
  return now - backend.suspectAt <= (options.suspectMs ?? DEFAULT_SUSPECT_MS) ? 'suspect' : 'dead';
}

/** Whether a registration is the same slot run by a new process (restart): its streams are gone. */
export function isRestart(existing: BackendRecord | undefined, next: BackendRecord): boolean {
  return existing !== undefined && (existing.service !== next.service || existing.pid !== next.pid);
}

export function hasEndpoint(backend: BackendRecord, proto: BackendProtocol): boolean {
  return (backend.endpoints[proto]?.length ?? 0) > 0;
}
