// Settings read once from the environment into a typed, frozen config. The Go proxy's PROXY_*
// names keep their meanings and defaults; an invalid value stops start-up naming the variable.
// The Worker passes its bindings through the same parser.

import { ConfigError } from './errors.ts';
import { isLogLevel, type LogLevel } from './log.ts';
import { DEFAULT_BACKEND_NETWORKS, NetworkList } from './networks.ts';
import { parseWorkerBaseUrl } from './public-url.ts';

export type Env = Record<string, string | undefined>;

export interface ListenAddress {
  host: string;
  port: number;
}

export interface DefaultBackendConfig {
  ip: string;
  rtmp: number;
  http?: number;
  api?: number;
  rtc?: number;
  srt?: number;
  rtsp?: number;
}

/** Bounds on sessions before they relay, and on players that stop reading (docs/data-plane.md, Limits). */
export interface ConnectionLimits {
  /** Sessions not relaying yet (handshake, commands, request headers, routing), all sources. */
  maxPending: number;
  /** Of those, from one IP (IPv6: one /64); 0 = no limit. */
  maxPendingPerSource: number;
  /** Bytes an RTMP client may make the node hold before publish/play. */
  pendingMaxBytes: number;
  /** A player whose socket stays backed up this long is closed; 0 = never. */
  writeStallMs: number;
  /** Time an HTTP client has to send its request headers. */
  httpHeadersMs: number;
}

export interface Config {
  rtmp: ListenAddress;
  httpServer: ListenAddress;
  httpApi: ListenAddress;
  webrtc: ListenAddress;
  srt: ListenAddress;
  /** RTSP play (TCP interleaved). */
  rtsp: ListenAddress;
  systemApi: ListenAddress;
  /** Directory served on the HTTP stream port; undefined when not set. */
  staticFiles?: string;
  loadBalancer: 'memory' | 'redis';
  upstash?: { url: string; token: string };
  /** Prefix of every Redis key, so several deployments can share one database. */
  keyPrefix: string;
  graceQuitMs: number;
  forceQuitMs: number;
  /**
   * Processes serving the TCP listeners (PROXY_WORKERS); above 1 the node runs as a cluster
   * (process/cluster-primary.ts). Defaults to 1, or to the CPU count for the bundle.
   */
  workers: number;
  defaultBackend?: DefaultBackendConfig;
  /** When set, only POST /api/v1/srs/register/<secret> registers. */
  registerSecret?: string;
  /** The operator's SRS-style hook URL: asked before a publish/play is routed, and passed origin hooks. */
  hooksUrl?: string;
  /** Bearer token data-plane nodes present to the routing API. */
  controlToken?: string;
  /**
   * HMAC key for what clients hand back (WHIP/WHEP resource URLs, HLS segment markers). Every
   * control-plane instance (and every node serving HLS) must share it; unset on Node: a random
   * key per process.
   */
  signingKey?: string;
  /** Where registered origins may live (CIDRs); registration refuses any other address. */
  backendNetworks: NetworkList;
  /** Every store call gives up after this long with a clear error. */
  storeTimeoutMs: number;
  /** URL of a remote control plane; unset means all-in-one (control plane in this process). */
  controlUrl?: string;
  /** Split mode: serve HLS on this node (fetching from origins here) instead of the control plane. */
  hlsOnNode: boolean;
  /** Public IP WebRTC clients reach this node's UDP port on (the ICE candidate). */
  webrtcCandidate?: string;
  /** This node's name in the control plane's node list. */
  nodeId?: string;
  /**
   * Split mode: the public base URL (host name, a port a Worker can fetch) where this node is the
   * origin gateway of an edge control plane; announced with the node's heartbeat.
   */
  nodePublicUrl?: string;
  /** Region hint announced with the node (the edge prefers a gateway in an origin's region). */
  nodeRegion?: string;
  /**
   * Split mode: where the control plane (on Node) reaches this node's system API to gather and
   * kick its sessions; announced with the node's heartbeat.
   */
  nodeAdminUrl?: string;
  /** Control plane: builds origins' public URLs from their registration (docs/deploy-workers.md). */
  originUrlTemplate?: string;
  /** Heartbeats younger than this keep a backend alive. */
  backendTtlMs: number;
  /** A backend a node reported stays suspect this long; then, without a heartbeat or good probe, dead. */
  backendSuspectMs: number;
  /** How long a stream stays bound to its backend after its last routing request. */
  streamTtlMs: number;
  logLevel: LogLevel;
  limits: ConnectionLimits;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations (`20s`, `1m30s`, `500ms`); a bare number means seconds. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const parts = value.match(/(\d+(?:\.\d+)?)(ms|s|m|h)/g);
  if (!parts || parts.join('') !== value) return undefined;
  let total = 0;
  for (const part of parts) {
    const [, amount = '0', unit = 's'] = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(part) ?? [];
    total += Number(amount) * (DURATION_UNITS[unit] ?? 0);
  }
  return Math.round(total);
}

class Reader {
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** A listen address: `PORT`, `:PORT` or `HOST:PORT` (the Go proxy takes a bare port). */
  listen(name: string, fallback: number): ListenAddress {
    const value = this.raw(name);
    if (value === undefined) return { host: '0.0.0.0', port: fallback };
    const match = /^(?:(.*):)?(\d{1,5})$/.exec(value);
    const port = Number(match?.[2]);
    if (!match || port > 65535) throw new ConfigError(`${name}="${value}" is not a port or HOST:PORT`);
    const host = (match[1] ?? '').replace(/^\[(.*)\]$/, '$1');
    return { host: host || '0.0.0.0', port };
  }

  port(name: string, fallback?: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const port = Number(value);
    if (!/^\d{1,5}$/.test(value) || port < 1 || port > 65535)
      throw new ConfigError(`${name}="${value}" is not a port (1-65535)`);
    return port;
  }

  duration(name: string, fallbackMs: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallbackMs;
    const ms = parseDuration(value);
    if (ms === undefined || ms < 0)
      throw new ConfigError(`${name}="${value}" is not a duration such as 20s, 1m or 500ms`);
    return ms;
  }

  /** A whole number in min..max. */
  count(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max)
      throw new ConfigError(`${name}="${value}" is not a whole number in ${min}..${max}`);
    return n;
  }

  /** A byte size: `65536`, `64k`/`64KiB`, `1m`/`1MiB` (1024-based), within min..max. */
  bytes(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = /^(\d+)\s*(?:(k|kb|kib)|(m|mb|mib))?$/i.exec(value);
    const n = match ? Number(match[1]) * (match[2] ? 1024 : match[3] ? 1024 * 1024 : 1) : Number.NaN;
    if (!(n >= min && n <= max))
      throw new ConfigError(`${name}="${value}" is not a size in ${min}..${max} bytes (such as 65536 or 64k)`);
    return n;
  }

  flag(name: string): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return false;
    if (['on', 'true', '1', 'yes'].includes(value)) return true;
    if (['off', 'false', '0', 'no'].includes(value)) return false;
    throw new ConfigError(`${name}="${value}" must be on or off`);
  }

  url(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new ConfigError(`${name}="${value}" is not an http(s) URL`);
    }
    return value.replace(/\/+$/, '');
  }

  /** A base URL a Cloudflare Worker can fetch (public-url.ts). */
  workerUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      return parseWorkerBaseUrl(value, name);
    } catch (err) {
      throw new ConfigError(`${name}="${value}": ${(err as Error).message}`);
    }
  }

  /** A URL template whose placeholders are {device_id}, {server} and {proto}. */
  urlTemplate(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const unknown = [...value.matchAll(/\{(\w*)\}/g)]
      .map((m) => m[1])
      .find((n) => !['device_id', 'server', 'proto'].includes(n ?? ''));
    if (unknown !== undefined) throw new ConfigError(`${name} has {${unknown}}; use {device_id}, {server} or {proto}`);
    try {
      parseWorkerBaseUrl(value.replace(/\{\w+\}/g, 'x'), name);
    } catch (err) {
      throw new ConfigError(`${name}="${value}": ${(err as Error).message}`);
    }
    return value;
  }

  region(name: string): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && !/^[\w.-]{1,64}$/.test(value))
      throw new ConfigError(`${name} must be 1-64 of A-Z a-z 0-9 _ . -`);
    return value;
  }

  networks(name: string, fallback: string): NetworkList {
    const value = this.raw(name) ?? fallback;
    try {
      return new NetworkList(value);
    } catch {
      throw new ConfigError(`${name}="${value}" must be a comma-separated list of CIDRs such as 10.0.0.0/8`);
    }
  }

  secret(name: string): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && !/^[A-Za-z0-9._~-]{8,256}$/.test(value)) {
      throw new ConfigError(`${name} must be 8-256 characters of A-Z a-z 0-9 . _ ~ -`);
    }
    return value;
  }
}

export function parseConfig(env: Env, defaults: { workers?: number } = {}): Readonly<Config> {
  const read = new Reader(env);
  const loadBalancerRaw = (read.raw('PROXY_LOAD_BALANCER_TYPE') ?? 'memory').toLowerCase();
  if (loadBalancerRaw !== 'memory' && loadBalancerRaw !== 'redis') {
    throw new ConfigError(`PROXY_LOAD_BALANCER_TYPE="${loadBalancerRaw}" must be memory or redis`);
  }
  const upstashUrl = read.url('UPSTASH_REDIS_REST_URL');
  const upstashToken = read.raw('UPSTASH_REDIS_REST_TOKEN');
  if (loadBalancerRaw === 'redis' && (!upstashUrl || !upstashToken)) {
    // The Go proxy spoke Redis over TCP (PROXY_REDIS_HOST...); Switchyard speaks Upstash's REST API,
    // which Workers can reach too.
    const goStyle = read.raw('PROXY_REDIS_HOST')
      ? " (PROXY_REDIS_HOST/PORT are the Go proxy's TCP settings and are not used)"
      : '';
    throw new ConfigError(
      `PROXY_LOAD_BALANCER_TYPE=redis needs UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (Upstash REST API)${goStyle}`,
    );
  }

  const logLevel = (read.raw('PROXY_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!isLogLevel(logLevel))
    throw new ConfigError(`PROXY_LOG_LEVEL="${logLevel}" must be debug, info, warn, error or silent`);

  const keyPrefix = read.raw('PROXY_REDIS_KEY_PREFIX') ?? 'sy';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(keyPrefix))
    throw new ConfigError('PROXY_REDIS_KEY_PREFIX must be 1-64 of A-Z a-z 0-9 _ . : -');

  let defaultBackend: DefaultBackendConfig | undefined;
  if (read.flag('PROXY_DEFAULT_BACKEND_ENABLED')) {
    defaultBackend = {
      ip: read.raw('PROXY_DEFAULT_BACKEND_IP') ?? '127.0.0.1',
      rtmp: read.port('PROXY_DEFAULT_BACKEND_RTMP', 1935) as number,
      http: read.port('PROXY_DEFAULT_BACKEND_HTTP'),
      api: read.port('PROXY_DEFAULT_BACKEND_API'),
      rtc: read.port('PROXY_DEFAULT_BACKEND_RTC'),
      srt: read.port('PROXY_DEFAULT_BACKEND_SRT'),
      rtsp: read.port('PROXY_DEFAULT_BACKEND_RTSP'),
    };
  }

  const graceQuitMs = read.duration('PROXY_GRACE_QUIT_TIMEOUT', 20_000);
  const forceQuitMs = read.duration('PROXY_FORCE_QUIT_TIMEOUT', 30_000);
  if (forceQuitMs < graceQuitMs)
    throw new ConfigError('PROXY_FORCE_QUIT_TIMEOUT must not be shorter than PROXY_GRACE_QUIT_TIMEOUT');

  const httpHeadersMs = read.duration('PROXY_HTTP_HEADERS_TIMEOUT', 10_000);
  if (httpHeadersMs < 1000 || httpHeadersMs > 300_000)
    throw new ConfigError('PROXY_HTTP_HEADERS_TIMEOUT must be between 1s and 5m');

  const config: Config = {
    rtmp: read.listen('PROXY_RTMP_SERVER', 11935),
    httpServer: read.listen('PROXY_HTTP_SERVER', 18080),
    httpApi: read.listen('PROXY_HTTP_API', 11985),
    webrtc: read.listen('PROXY_WEBRTC_SERVER', 18000),
    srt: read.listen('PROXY_SRT_SERVER', 20080),
    rtsp: read.listen('PROXY_RTSP_SERVER', 8554),
    systemApi: read.listen('PROXY_SYSTEM_API', 12025),
    staticFiles: read.raw('PROXY_STATIC_FILES'),
    loadBalancer: loadBalancerRaw,
    upstash: upstashUrl && upstashToken ? { url: upstashUrl, token: upstashToken } : undefined,
    keyPrefix,
    graceQuitMs,
    forceQuitMs,
    workers: read.count('PROXY_WORKERS', defaults.workers ?? 1, 1, 256),
    defaultBackend,
    registerSecret: read.secret('PROXY_REGISTER_SECRET'),
    controlToken: read.secret('PROXY_CONTROL_TOKEN'),
    hooksUrl: read.url('PROXY_HOOKS_URL'),
    signingKey: read.secret('PROXY_SIGNING_KEY'),
    backendNetworks: read.networks('PROXY_BACKEND_NETWORKS', DEFAULT_BACKEND_NETWORKS),
    storeTimeoutMs: read.duration('PROXY_STORE_TIMEOUT', 3_000),
    controlUrl: read.url('PROXY_CONTROL_URL'),
    hlsOnNode: read.flag('PROXY_HLS_ON_NODE'),
    webrtcCandidate: read.raw('PROXY_WEBRTC_CANDIDATE'),
    nodeId: read.raw('PROXY_NODE_ID'),
    nodePublicUrl: read.workerUrl('PROXY_NODE_PUBLIC_URL'),
    nodeRegion: read.region('PROXY_NODE_REGION'),
    nodeAdminUrl: read.url('PROXY_NODE_ADMIN_URL'),
    originUrlTemplate: read.urlTemplate('PROXY_ORIGIN_URL_TEMPLATE'),
    backendTtlMs: read.duration('PROXY_BACKEND_TTL', 300_000),
    backendSuspectMs: read.duration('PROXY_BACKEND_SUSPECT_WINDOW', 5_000),
    streamTtlMs: read.duration('PROXY_STREAM_TTL', 86_400_000),
    logLevel,
    limits: {
      maxPending: read.count('PROXY_MAX_PENDING_CONNECTIONS', 1000, 0, 1_000_000),
      maxPendingPerSource: read.count('PROXY_MAX_PENDING_PER_IP', 20, 0, 1_000_000),
      pendingMaxBytes: read.bytes('PROXY_PENDING_MAX_BYTES', 64 * 1024, 4 * 1024, 16 * 1024 * 1024),
      writeStallMs: read.duration('PROXY_WRITE_STALL_TIMEOUT', 10_000),
      httpHeadersMs,
    },
  };
  return Object.freeze(config);
}
