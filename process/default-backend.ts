// The Go proxy's debugging aid: a backend from PROXY_DEFAULT_BACKEND_* registered at start
// and re-registered every 30 s so it never expires.

import type { BackendStore } from '../control/store/store.ts';
import type { BackendRecord } from '../shared/api-types.ts';
import type { DefaultBackendConfig } from '../shared/config.ts';
import type { Endpoint } from '../shared/endpoint.ts';
import type { Logger } from '../shared/log.ts';

export const DEFAULT_BACKEND_HEARTBEAT_MS = 30_000;

export function defaultBackendRecord(config: DefaultBackendConfig, now: number): BackendRecord {
  const port = (p: number | undefined): Endpoint[] => (p === undefined ? [] : [{ port: p }]);
  return {
    id: 'default-backend',
    ip: config.ip,
    server: 'default-backend',
    service: 'default',
    pid: '0',
    deviceId: 'default',
    source: 'config',
    endpoints: {
      rtmp: port(config.rtmp),
      http: port(config.http),
      api: port(config.api),
      srt: port(config.srt),
      rtc: port(config.rtc),
      rtsp: port(config.rtsp),
    },
    updatedAt: now,
  };
}

/** Registers now and on an interval; the returned function stops it. */
export async function keepDefaultBackend(
  store: BackendStore,
  config: DefaultBackendConfig,
  logger: Logger,
  now: () => number = Date.now,
): Promise<() => void> {
  const beat = async () => {
    try {
      const result = await store.upsertBackend(defaultBackendRecord(config, now()));
      if (result === 'taken' || result === 'full') logger.warn('default backend not registered', { result });
    } catch (err) {
      logger.warn('default backend heartbeat failed', { err: String(err) });
    }
  };
  await beat();
  logger.info('default backend registered', { ip: config.ip, rtmp: config.rtmp });
  const timer = setInterval(beat, DEFAULT_BACKEND_HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}
