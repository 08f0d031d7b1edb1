// The state the control plane keeps: registered backends and stream -> backend bindings.
// Two implementations (memory, Upstash Redis) pass one conformance suite.

import type { BackendProtocol, BackendRecord, NodeRecord, RtcSession } from '../../shared/api-types.ts';

export interface StoreOptions {
  /** A backend whose last heartbeat is older than this is dead. */
  aliveMs: number;
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
   * The backend bound to `streamKey` while it is alive; otherwise binds a live backend that has a
   * `proto` endpoint and is not draining, chosen by `random` in [0, 1). Null when no live backend
   * has one. Throws UnavailableError when the binding table is full (live bindings are never evicted).
   */
  pickBackend(streamKey: string, proto: BackendProtocol, now: number, random: number): Promise<Picked | null>;
  /** Marks a backend draining (no new streams are bound to it) or not; kept apart from its heartbeats. */
  setDraining(id: string, draining: boolean): Promise<void>;
  /** Ids of the backends marked draining. */
  listDraining(): Promise<string[]>;
  /** Live stream bindings (stream key -> backend id), at most `limit`. */
  listBindings(limit: number, now: number): Promise<Array<{ stream: string; backendId: string; ttlMs: number }>>;
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

export function hasEndpoint(backend: BackendRecord, proto: BackendProtocol): boolean {
  return (backend.endpoints[proto]?.length ?? 0) > 0;
}
