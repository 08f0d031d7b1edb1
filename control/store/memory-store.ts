// In-process store for the all-in-one deployment. Maps are bounded; expired entries are swept
// on access, so nothing grows without limit.

import type { BackendProtocol, BackendRecord, NodeRecord, RtcSession } from '../../shared/api-types.ts';
import { UnavailableError } from '../../shared/errors.ts';
import { cheapest, placementCost } from '../placement.ts';
import {
  type BackendStore,
  type BindingView,
  backendState,
  DEFAULT_MAX_BACKENDS,
  DEFAULT_MAX_STREAMS,
  hasEndpoint,
  isRestart,
  mayReplace,
  type Picked,
  type RouteDecision,
  registrationKind,
  type StoreOptions,
  type UpsertOptions,
  type UpsertResult,
} from './store.ts';

const MAX_RTC_SESSIONS = 100_000;
const MAX_NODES = 1_000;

interface Binding {
  backendId: string;
  expiresAt: number;
  /** Protocols that routed to this binding (the bindings view's "protocols seen"). */
  protocols: Set<BackendProtocol>;
}

export class MemoryStore implements BackendStore {
  private readonly backends = new Map<string, BackendRecord>();
  /** Insertion order is use order (refresh = delete + set), so the first entry is the least recently used. */
  private readonly streams = new Map<string, Binding>();
  private readonly rtcSessions = new Map<string, { session: RtcSession; expiresAt: number }>();
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly draining = new Set<string>();
  /** Per backend: its bound stream keys and their expiry (Switchyard's own load signal). */
  private readonly backendStreams = new Map<string, Map<string, number>>();

  constructor(private readonly options: StoreOptions) {}

  async upsertBackend(backend: BackendRecord, options?: UpsertOptions): Promise<UpsertResult> {
    this.sweepBackends(backend.updatedAt);
    const existing = this.backends.get(backend.id);
    if (options?.sameSourceOnly && !mayReplace(existing, backend, this.options)) return 'taken';
    if (!existing && this.backends.size >= (this.options.maxBackends ?? DEFAULT_MAX_BACKENDS)) return 'full';
    if (isRestart(existing, backend)) this.dropBindingsOf(backend.id);
    this.backends.set(backend.id, structuredClone(backend));
    return registrationKind(existing, backend, this.options.aliveMs);
  }

  async reportBackend(id: string, ok: boolean, now: number): Promise<boolean> {
    const backend = this.backends.get(id);
    if (!backend) return false;
    if (ok) delete backend.suspectAt;
    else backend.suspectAt ??= now;
    return true;
  }

  async bindStream(streamKey: string, backendId: string, now: number): Promise<boolean> {
    const backend = this.backends.get(backendId);
    if (!backend || backendState(backend, now, this.options) === 'dead') return false;
    this.unbind(streamKey);
    this.bind(streamKey, backendId, now);
    return true;
  }

  async unbindStream(streamKey: string, backendId: string): Promise<boolean> {
    if (this.streams.get(streamKey)?.backendId !== backendId) return false;
    this.unbind(streamKey);
    return true;
  }

  async getBackend(id: string): Promise<BackendRecord | null> {
    const backend = this.backends.get(id);
    return backend ? structuredClone(backend) : null;
  }

  async listBackends(): Promise<BackendRecord[]> {
    return [...this.backends.values()].map((b) => structuredClone(b));
  }

  async pickBackend(streamKey: string, proto: BackendProtocol, now: number, random: number): Promise<Picked | null> {
    const bound = this.streams.get(streamKey);
    const live = bound && bound.expiresAt > now ? bound : undefined;
    const boundBackend = live ? this.backends.get(live.backendId) : undefined;
    const boundState = boundBackend ? backendState(boundBackend, now, this.options) : 'dead';
    if (bound) this.unbind(streamKey);
    const keep = (backend: BackendRecord, decision: RouteDecision): Picked => {
      const seen = decision === 'existing' && bound ? bound.protocols : new Set<BackendProtocol>();
      this.bind(streamKey, backend.id, now, seen.add(proto));
      return { backend: structuredClone(backend), decision };
    };
    // A binding stays on its backend while alive, even a draining one.
    if (boundBackend && boundState === 'alive') return keep(boundBackend, 'existing');
    const withProto = [...this.backends.values()].filter((b) => hasEndpoint(b, proto) && !this.draining.has(b.id));
    let candidates = withProto.filter((b) => backendState(b, now, this.options) === 'alive');
    if (candidates.length === 0) {
      // Nothing healthy: a suspect origin is still better than none, the bound one first.
      if (boundBackend && boundState === 'suspect') return keep(boundBackend, 'existing');
      candidates = withProto.filter((b) => backendState(b, now, this.options) === 'suspect');
    }
    if (candidates.length === 0) return null;
    const costs = candidates.map((b) => placementCost(b, this.streamCount(b.id, now)));
    return keep(candidates[cheapest(costs, random)] as BackendRecord, live ? 'repick' : 'new');
  }

  async setDraining(id: string, draining: boolean): Promise<void> {
    if (!draining) this.draining.delete(id);
    else if (this.draining.size < (this.options.maxBackends ?? DEFAULT_MAX_BACKENDS)) this.draining.add(id);
    else throw new UnavailableError('draining table is full');
  }

  async listDraining(): Promise<string[]> {
    return [...this.draining];
  }

  async listBindings(limit: number, now: number): Promise<BindingView[]> {
    const out: BindingView[] = [];
    for (const [stream, binding] of this.streams) {
      if (out.length >= limit) break;
      if (binding.expiresAt > now) {
        const protocols = [...binding.protocols].sort();
        out.push({ stream, backendId: binding.backendId, ttlMs: binding.expiresAt - now, protocols });
      }
    }
    return out;
  }

  async putRtcSession(session: RtcSession): Promise<void> {
    this.rtcSessions.delete(session.username);
    this.rtcSessions.set(session.username, {
      session: structuredClone(session),
      expiresAt: session.createdAt + this.options.rtcSessionTtlMs,
    });
    while (this.rtcSessions.size > MAX_RTC_SESSIONS)
      this.rtcSessions.delete(this.rtcSessions.keys().next().value as string);
  }

  async touchRtcSession(username: string, now: number): Promise<RtcSession | null> {
    const entry = this.rtcSessions.get(username);
    if (!entry) return null;
    if (entry.expiresAt <= now) {
      this.rtcSessions.delete(username);
      return null;
    }
    entry.expiresAt = now + this.options.rtcSessionTtlMs;
    return structuredClone(entry.session);
  }

  async deleteRtcSession(username: string): Promise<void> {
    this.rtcSessions.delete(username);
  }

  async upsertNode(node: NodeRecord): Promise<void> {
    for (const [id, n] of this.nodes)
      if (node.updatedAt - n.updatedAt > 2 * this.options.aliveMs) this.nodes.delete(id);
    if (!this.nodes.has(node.id) && this.nodes.size >= MAX_NODES) throw new UnavailableError('node table is full');
    this.nodes.set(node.id, structuredClone(node));
  }

  async listNodes(): Promise<NodeRecord[]> {
    return [...this.nodes.values()].map((n) => structuredClone(n));
  }

  async close(): Promise<void> {
    this.backends.clear();
    this.streams.clear();
    this.rtcSessions.clear();
    this.nodes.clear();
    this.draining.clear();
    this.backendStreams.clear();
  }

  private bind(streamKey: string, backendId: string, now: number, protocols = new Set<BackendProtocol>()): void {
    if (this.streams.size >= (this.options.maxStreams ?? DEFAULT_MAX_STREAMS)) this.sweepStreams(now);
    // A binding may belong to a live stream; a full table refuses new streams rather than evict one.
    if (this.streams.size >= (this.options.maxStreams ?? DEFAULT_MAX_STREAMS)) {
      throw new UnavailableError('stream binding table is full');
    }
    const expiresAt = now + this.options.streamTtlMs;
    this.streams.set(streamKey, { backendId, expiresAt, protocols });
    const keys = this.backendStreams.get(backendId) ?? new Map<string, number>();
    this.backendStreams.set(backendId, keys);
    // Re-inserted on each refresh: with one TTL, map order is expiry order.
    keys.delete(streamKey);
    keys.set(streamKey, expiresAt);
  }

  private unbind(streamKey: string): void {
    const bound = this.streams.get(streamKey);
    if (!bound) return;
    this.streams.delete(streamKey);
    this.backendStreams.get(bound.backendId)?.delete(streamKey);
  }

  /** Live bindings to a backend; expired ones are forgotten on the way. */
  private streamCount(backendId: string, now: number): number {
    const keys = this.backendStreams.get(backendId);
    if (!keys) return 0;
    for (const [key, expiresAt] of keys) {
      if (expiresAt > now) break;
      keys.delete(key);
    }
    return keys.size;
  }

  private dropBindingsOf(backendId: string): void {
    for (const key of this.backendStreams.get(backendId)?.keys() ?? []) {
      if (this.streams.get(key)?.backendId === backendId) this.streams.delete(key);
    }
    this.backendStreams.delete(backendId);
  }

  /** Drops expired bindings. They sit in use order with one TTL, so the first live one ends the sweep. */
  private sweepStreams(now: number): void {
    for (const [key, binding] of this.streams) {
      if (binding.expiresAt > now) return;
      this.unbind(key);
    }
  }

  /** Forgets backends dead for longer than the alive window again (kept that long for the operator view). */
  private sweepBackends(now: number): void {
    for (const [id, backend] of this.backends) {
      if (now - backend.updatedAt <= 2 * this.options.aliveMs) continue;
      this.backends.delete(id);
      this.dropBindingsOf(id);
    }
  }
}
