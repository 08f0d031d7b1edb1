// Store on Redis through Upstash's REST API (works on Workers and Node). Every operation is one
// Lua script, so each costs one HTTP round trip (EVALSHA; EVAL only the first time a server
// lacks the script) and is atomic across control-plane instances.

import { Redis } from '@upstash/redis';
import type { BackendProtocol, BackendRecord, NodeRecord, RtcSession } from '../../shared/api-types.ts';
import { UnavailableError } from '../../shared/errors.ts';
import { type KeySpace, keySpace } from './keys.ts';
import { BIND_STREAM, UNBIND_STREAM } from './scripts/bind-stream.ts';
import { LIST_BACKENDS } from './scripts/list-backends.ts';
import { LIST_BINDINGS } from './scripts/list-bindings.ts';
import { PICK_BACKEND } from './scripts/pick-backend.ts';
import { REGISTER_BACKEND } from './scripts/register-backend.ts';
import { REPORT_BACKEND } from './scripts/report-backend.ts';
import {
  type BackendStore,
  type BindingView,
  DEFAULT_MAX_BACKENDS,
  DEFAULT_SUSPECT_MS,
  type Picked,
  type RouteDecision,
  type StoreOptions,
  type UpsertOptions,
  type UpsertResult,
} from './store.ts';

export interface UpstashStoreOptions extends StoreOptions {
  url: string;
  token: string;
  keyPrefix: string;
  /** Each REST request is aborted after this long (the store's caller bounds the whole call too). */
  requestTimeoutMs?: number;
}

interface Script<T> {
  exec(keys: string[], args: string[]): Promise<T>;
}

export class UpstashStore implements BackendStore {
  private readonly keys: KeySpace;
  private readonly redis: Redis;
  private readonly register: Script<unknown>;
  private readonly list: Script<string[]>;
  private readonly pick: Script<[string, RouteDecision] | null>;
  private readonly bindings: Script<string[]>;
  private readonly report: Script<unknown>;
  private readonly bind: Script<unknown>;
  private readonly unbind: Script<unknown>;

  constructor(private readonly options: UpstashStoreOptions) {
    const redis = new Redis({
      url: options.url,
      token: options.token,
      // Values are JSON we parse ourselves; plain responses keep compatible REST servers working.
      automaticDeserialization: false,
      responseEncoding: false,
      enableTelemetry: false,
      // One quick retry for a dropped connection; the client's default (5, exponential) turns an
      // outage into seconds of waiting per request.
      retry: { retries: 1, backoff: () => 50 },
      signal: () => AbortSignal.timeout(options.requestTimeoutMs ?? 3_000),
    });
    this.redis = redis;
    this.keys = keySpace(options.keyPrefix);
    this.register = redis.createScript<unknown>(REGISTER_BACKEND);
    this.list = redis.createScript<string[]>(LIST_BACKENDS);
    this.pick = redis.createScript<[string, RouteDecision] | null>(PICK_BACKEND);
    this.bindings = redis.createScript<string[]>(LIST_BINDINGS);
    this.report = redis.createScript<unknown>(REPORT_BACKEND);
    this.bind = redis.createScript<unknown>(BIND_STREAM);
    this.unbind = redis.createScript<unknown>(UNBIND_STREAM);
  }

  private get suspectMs(): string {
    return String(this.options.suspectMs ?? DEFAULT_SUSPECT_MS);
  }

  private streamsOf(id: string): string {
    return this.keys.backendStreamsPrefix + id;
  }

  private suspectOf(id: string): string {
    return this.keys.suspectPrefix + id;
  }

  async upsertBackend(backend: BackendRecord, options?: UpsertOptions): Promise<UpsertResult> {
    const result = await this.register.exec(
      [this.keys.backend(backend.id), this.keys.backendIndex, this.streamsOf(backend.id), this.suspectOf(backend.id)],
      [
        JSON.stringify(backend),
        backend.id,
        String(backend.updatedAt),
        String(2 * this.options.aliveMs),
        options?.sameSourceOnly ? '1' : '0',
        backend.source ?? '',
        String(this.options.aliveMs),
        String(this.options.maxBackends ?? DEFAULT_MAX_BACKENDS),
        this.keys.streamPrefix,
      ],
    );
    const kinds: Record<string, UpsertResult> = { '1': 'ok', '2': 'new', '3': 'changed', '0': 'taken' };
    return kinds[String(result)] ?? 'full';
  }

  async getBackend(id: string): Promise<BackendRecord | null> {
    const [json, at] = await this.redis.mget<(string | null)[]>(this.keys.backend(id), this.suspectOf(id));
    return typeof json === 'string' ? withReport(json, at) : null;
  }

  async listBackends(): Promise<BackendRecord[]> {
    const rows =
      (await this.list.exec([this.keys.backendIndex], [this.keys.backendPrefix, this.keys.suspectPrefix])) ?? [];
    const out: BackendRecord[] = [];
    for (let i = 0; i + 1 < rows.length; i += 2) out.push(withReport(rows[i] as string, rows[i + 1]));
    return out;
  }

  async reportBackend(id: string, ok: boolean, now: number): Promise<boolean> {
    const result = await this.report.exec(
      [this.keys.backend(id), this.suspectOf(id)],
      [ok ? '1' : '0', String(now), String(2 * this.options.aliveMs)],
    );
    return Number(result) === 1;
  }

  async bindStream(streamKey: string, backendId: string, now: number): Promise<boolean> {
    const result = await this.bind.exec(
      [this.keys.stream(streamKey), this.keys.backend(backendId), this.streamsOf(backendId)],
      [
        String(now),
        String(this.options.aliveMs),
        this.suspectMs,
        String(this.options.streamTtlMs),
        backendId,
        streamKey,
        this.keys.backendStreamsPrefix,
        this.keys.suspectPrefix,
      ],
    );
    return Number(result) === 1;
  }

  async unbindStream(streamKey: string, backendId: string): Promise<boolean> {
    const result = await this.unbind.exec(
      [this.keys.stream(streamKey), this.keys.backend(backendId), this.streamsOf(backendId)],
      [backendId, streamKey],
    );
    return Number(result) === 1;
  }

  async pickBackend(streamKey: string, proto: BackendProtocol, now: number, random: number): Promise<Picked | null> {
    const picked = await this.pick.exec(
      [this.keys.stream(streamKey), this.keys.backendIndex, this.keys.draining],
      [
        String(now),
        String(this.options.aliveMs),
        proto,
        String(random),
        String(this.options.streamTtlMs),
        this.keys.backendPrefix,
        this.suspectMs,
        this.keys.backendStreamsPrefix,
        streamKey,
        this.keys.suspectPrefix,
        this.keys.streamProtosPrefix,
      ],
    );
    if (!Array.isArray(picked) || typeof picked[0] !== 'string') return null;
    return { backend: JSON.parse(picked[0]) as BackendRecord, decision: picked[1] };
  }

  async setDraining(id: string, draining: boolean): Promise<void> {
    if (draining) await this.redis.sadd(this.keys.draining, id);
    else await this.redis.srem(this.keys.draining, id);
  }

  async listDraining(): Promise<string[]> {
    return ((await this.redis.smembers(this.keys.draining)) as string[]) ?? [];
  }

  async listBindings(limit: number): Promise<BindingView[]> {
    const prefix = this.keys.streamPrefix;
    // Glob characters in the prefix are escaped so another deployment's keys never match.
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    const args = [pattern, String(limit), '50', String(prefix.length), this.keys.streamProtosPrefix];
    const flat = (await this.bindings.exec([], args)) ?? [];
    const out: BindingView[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4) {
      const protocols = String(flat[i + 3])
        .split(',')
        .filter(Boolean) as BackendProtocol[];
      out.push({ stream: String(flat[i]), backendId: String(flat[i + 1]), ttlMs: Number(flat[i + 2]), protocols });
    }
    return out;
  }

  async putRtcSession(session: RtcSession): Promise<void> {
    const px = this.options.rtcSessionTtlMs;
    await this.redis.set(this.keys.rtcSession(session.username), JSON.stringify(session), { px });
  }

  async touchRtcSession(username: string): Promise<RtcSession | null> {
    const px = this.options.rtcSessionTtlMs;
    const json = await this.redis.getex<string>(this.keys.rtcSession(username), { px });
    return typeof json === 'string' ? (JSON.parse(json) as RtcSession) : null;
  }

  async deleteRtcSession(username: string): Promise<void> {
    await this.redis.del(this.keys.rtcSession(username));
  }

  async upsertNode(node: NodeRecord): Promise<void> {
    // Same atomic record + index script as backends, in the node key space; any source, 1,000 nodes.
    const result = await this.register.exec(
      [this.keys.node(node.id), this.keys.nodeIndex, this.keys.node(node.id), this.keys.node(`${node.id}:none`)],
      [
        JSON.stringify(node),
        node.id,
        String(node.updatedAt),
        String(2 * this.options.aliveMs),
        '0',
        '',
        '0',
        '1000',
        '',
      ],
    );
    if (Number(result) < 1) throw new UnavailableError('node table is full');
  }

  async listNodes(): Promise<NodeRecord[]> {
    const rows = (await this.list.exec([this.keys.nodeIndex], [this.keys.nodePrefix, ''])) ?? [];
    return rows.filter((_, i) => i % 2 === 0).map((json) => JSON.parse(json) as NodeRecord);
  }

  async close(): Promise<void> {}
}

/** A record with its failure report (kept in its own key) folded in. */
function withReport(json: string, at: string | null | undefined): BackendRecord {
  const record = JSON.parse(json) as BackendRecord;
  if (at) record.suspectAt = Number(at);
  return record;
}
