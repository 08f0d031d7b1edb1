// Per-backend gauges, refilled from the store at scrape, and the `backend dead` log line: a
// backend seen alive or suspect by this process (or isolate) and now dead (past its heartbeat
// window, or suspect for longer than the suspect window) is logged once. Nothing notices a silent backend by itself, so the line comes at the next look (a scrape,
// the Node control plane's periodic check, a routing re-pick).

import type { BackendRecord } from '../../shared/api-types.ts';
import type { Logger } from '../../shared/log.ts';
import { type BackendStore, backendState, type StoreOptions } from '../store/store.ts';
import type { ControlMetrics } from './control-metrics.ts';

export class BackendWatch {
  private readonly alive = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly options: LivenessOptions,
  ) {}

  /** Logs each backend that was not dead at the last look and is dead (or gone) now. */
  look(backends: BackendRecord[], now: number): void {
    const seen = new Set<string>();
    for (const b of backends) {
      if (backendState(b, now, this.options) !== 'dead') {
        seen.add(b.id);
      } else if (this.alive.has(b.id)) {
        this.logger.warn('backend dead', { backend: b.id, ip: b.ip, lastHeartbeatAgoMs: now - b.updatedAt });
      }
    }
    for (const id of this.alive) {
      if (!seen.has(id) && !backends.some((b) => b.id === id)) this.logger.warn('backend dead', { backend: id });
    }
    this.alive.clear();
    for (const id of seen) this.alive.add(id);
  }
}

/** The windows that decide a backend's state (store.ts backendState). */
export type LivenessOptions = Pick<StoreOptions, 'aliveMs' | 'suspectMs'>;

export async function refreshBackendGauges(
  store: BackendStore,
  metrics: ControlMetrics,
  watch: BackendWatch,
  now: number,
  options: LivenessOptions,
): Promise<void> {
  const [backends, draining] = await Promise.all([store.listBackends(), store.listDraining()]);
  watch.look(backends, now);
  metrics.backendUp.reset();
  metrics.backendAge.reset();
  metrics.backendDraining.reset();
  const drainingSet = new Set(draining);
  for (const b of backends) {
    const labels = { backend: b.id };
    // A suspect backend gets no new streams: it counts as down here.
    metrics.backendUp.set(labels, backendState(b, now, options) === 'alive' ? 1 : 0);
    metrics.backendAge.set(labels, Math.max(0, now - b.updatedAt) / 1000);
    metrics.backendDraining.set(labels, drainingSet.has(b.id) ? 1 : 0);
  }
}
