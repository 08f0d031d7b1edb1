// Wraps the store so every operation is timed (switchyard_store_request_duration_seconds) and
// every routing decision and registration outcome is counted, and logged at info when it matters
// to an operator: a backend appearing or changing, a stream bound or re-bound (heartbeats and the
// reuse of a binding are not logged here).

import type { Logger } from '../../shared/log.ts';
import type { BackendStore } from '../store/store.ts';
import type { ControlMetrics } from './control-metrics.ts';

export function observedStore(store: BackendStore, metrics: ControlMetrics, logger: Logger): BackendStore {
  const timed = {} as BackendStore;
  for (const name of Object.keys(store) as Array<keyof BackendStore>) copy(name);
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(store)) as Array<keyof BackendStore>) copy(name);
  function copy(name: keyof BackendStore): void {
    if (name === ('constructor' as string) || typeof store[name] !== 'function') return;
    (timed as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const started = performance.now();
      try {
        // Looked up per call: tests replace a store method after the app is built.
        return await (store[name] as (...a: unknown[]) => Promise<unknown>).apply(store, args);
      } finally {
        metrics.storeSeconds.observe({ operation: name }, (performance.now() - started) / 1000);
      }
    };
  }
  const upsert = timed.upsertBackend;
  timed.upsertBackend = async (backend, options) => {
    const result = await upsert(backend, options);
    const fields = { backend: backend.id, ip: backend.ip, pid: backend.pid, source: backend.source };
    if (result === 'new') logger.info('backend registered', fields);
    else if (result === 'changed') logger.info('backend changed', fields);
    const event = result === 'ok' ? 'heartbeat' : result === 'taken' || result === 'full' ? 'refused' : result;
    metrics.registrations.inc({ event });
    return result;
  };
  const pick = timed.pickBackend;
  timed.pickBackend = async (streamKey, proto, now, random) => {
    const picked = await pick(streamKey, proto, now, random);
    const decision = picked?.decision ?? 'no_backend';
    metrics.routeDecisions.inc({ protocol: proto, decision });
    if (picked && decision !== 'existing') {
      const msg = decision === 'new' ? 'stream bound' : 'stream re-bound after its backend died';
      logger.info(msg, { stream: streamKey, proto, backend: picked.backend.id, decision });
    }
    return picked;
  };
  return timed;
}
