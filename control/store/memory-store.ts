// In-process store for the all-in-one deployment. Maps are bounded; expired entries are swept
// on access, so nothing grows without limit.

import type { BackendProtocol, BackendRecord, NodeRecord, RtcSession } from '../../shared/api-types.ts';
import { type BackendStore, hasEndpoint, isAlive, type StoreOptions } from './store.ts';

const MAX_BACKENDS = 10_000;
const MAX_STREAMS = 200_000;
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

  constructor(private readonly options: StoreOptions) {}

  async upsertBackend(backend: BackendRecord): Promise<void> {
    this.sweepBackends(backend.updatedAt);
    if (!this.backends.has(backend.id) && this.backends.size >= MAX_BACKENDS) {
      throw new Error(`backend table full (${MAX_BACKENDS})`);
    }
    this.backends.set(backend.id, structuredClone(backend));
  }

  async getBackend(id: string): Promise<BackendRecord | null> {
    const backend = this.backends.get(id);
    return backend ? structuredClone(backend) : null;
  }

  async listBackends(): Promise<BackendRecord[]> {
    return [...this.backends.values()].map((b) => structuredClone(b));
  }

  async pickBackend(
    streamKey: string,
    proto: BackendProtocol,
    now: number,
    random: number,
  ): Promise<BackendRecord | null> {
    const bound = this.streams.get(streamKey);
    if (bound) {
      this.streams.delete(streamKey);
      const backend = this.backends.get(bound.backendId);
      if (bound.expiresAt > now && backend && isAlive(backend, now, this.options.aliveMs)) {
        this.bind(streamKey, backend.id, now);
        return structuredClone(backend);
      }
    }
    const candidates = [...this.backends.values()].filter(
      (b) => isAlive(b, now, this.options.aliveMs) && hasEndpoint(b, proto),
    );
    if (candidates.length === 0) return null;
    const chosen = candidates[Math.min(candidates.length - 1, Math.floor(random * candidates.length))] as BackendRecord;
    this.bind(streamKey, chosen.id, now);
    return structuredClone(chosen);
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
    if (!this.nodes.has(node.id) && this.nodes.size >= MAX_NODES) throw new Error(`node table full (${MAX_NODES})`);
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
  }

  private bind(streamKey: string, backendId: string, now: number): void {
    this.streams.set(streamKey, { backendId, expiresAt: now + this.options.streamTtlMs });
    while (this.streams.size > MAX_STREAMS) {
      const oldest = this.streams.keys().next().value as string;
      this.streams.delete(oldest);
    }
  }

  /** Forgets backends dead for longer than the alive window again (kept that long for the operator view). */
  private sweepBackends(now: number): void {
    for (const [id, backend] of this.backends) {
      if (now - backend.updatedAt > 2 * this.options.aliveMs) this.backends.delete(id);
    }
  }
}
