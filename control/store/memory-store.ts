// In-process store for the all-in-one deployment. Maps are bounded; expired entries are swept
// on access, so nothing grows without limit.

import type { BackendProtocol, BackendRecord, NodeRecord, RtcSession } from '../../shared/api-types.ts';
import { UnavailableError } from '../../shared/errors.ts';
import {
  type BackendStore,
  DEFAULT_MAX_BACKENDS,
  DEFAULT_MAX_STREAMS,
  hasEndpoint,
  isAlive,
  mayReplace,
  type Picked,
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
}

export class MemoryStore implements BackendStore {
  private readonly backends = new Map<string, BackendRecord>();
  /** Insertion order is use order (refresh = delete + set), so the first entry is the least recently used. */
  private readonly streams = new Map<string, Binding>();
  private readonly rtcSessions = new Map<string, { session: RtcSession; expiresAt: number }>();
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly draining = new Set<string>();

  constructor(private readonly options: StoreOptions) {}

  async upsertBackend(backend: BackendRecord, options?: UpsertOptions): Promise<UpsertResult> {
    this.sweepBackends(backend.updatedAt);
    const existing = this.backends.get(backend.id);
    if (options?.sameSourceOnly && !mayReplace(existing, backend, this.options)) return 'taken';
    if (!existing && this.backends.size >= (this.options.maxBackends ?? DEFAULT_MAX_BACKENDS)) return 'full';
    this.backends.set(backend.id, structuredClone(backend));
    return registrationKind(existing, backend, this.options.aliveMs);
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
    let repick = false;
    if (bound) {
      this.streams.delete(streamKey);
      const backend = this.backends.get(bound.backendId);
      if (bound.expiresAt > now && backend && isAlive(backend, now, this.options.aliveMs)) {
        this.bind(streamKey, backend.id, now);
        return { backend: structuredClone(backend), decision: 'existing' };
      }
      repick = bound.expiresAt > now;
    }
    const candidates = [...this.backends.values()].filter(
      (b) => isAlive(b, now, this.options.aliveMs) && hasEndpoint(b, proto) && !this.draining.has(b.id),
    );
    if (candidates.length === 0) return null;
    const chosen = candidates[Math.min(candidates.length - 1, Math.floor(random * candidates.length))] as BackendRecord;
    this.bind(streamKey, chosen.id, now);
    return { backend: structuredClone(chosen), decision: repick ? 'repick' : 'new' };
  }

  async setDraining(id: string, draining: boolean): Promise<void> {
    if (!draining) this.draining.delete(id);
    else if (this.draining.size < (this.options.maxBackends ?? DEFAULT_MAX_BACKENDS)) this.draining.add(id);
    else throw new UnavailableError('draining table is full');
  }

  async listDraining(): Promise<string[]> {
    return [...this.draining];
  }

  async listBindings(limit: number, now: number): Promise<Array<{ stream: string; backendId: string; ttlMs: number }>> {
    const out: Array<{ stream: string; backendId: string; ttlMs: number }> = [];
    for (const [stream, binding] of this.streams) {
      if (out.length >= limit) break;
      if (binding.expiresAt > now) out.push({ stream, backendId: binding.backendId, ttlMs: binding.expiresAt - now });
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
  }

  private bind(streamKey: string, backendId: string, now: number): void {
    if (this.streams.size >= (this.options.maxStreams ?? DEFAULT_MAX_STREAMS)) this.sweepStreams(now);
    // A binding may belong to a live stream; a full table refuses new streams rather than evict one.
    if (this.streams.size >= (this.options.maxStreams ?? DEFAULT_MAX_STREAMS)) {
      throw new UnavailableError('stream binding table is full');
    }
    this.streams.set(streamKey, { backendId, expiresAt: now + this.options.streamTtlMs });
  }

  /** Drops expired bindings. They sit in use order with one TTL, so the first live one ends the sweep. */
  private sweepStreams(now: number): void {
    for (const [key, binding] of this.streams) {
      if (binding.expiresAt > now) return;
      this.streams.delete(key);
    }
  }

  /** Forgets backends dead for longer than the alive window again (kept that long for the operator view). */
  private sweepBackends(now: number): void {
    for (const [id, backend] of this.backends) {
      if (now - backend.updatedAt > 2 * this.options.aliveMs) this.backends.delete(id);
    }
  }
}
