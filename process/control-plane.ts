// The control plane as a Node component: store, app and default-backend heartbeat, owned together.

import type { Hono } from 'hono';
import { createControlApp } from '../control/app.ts';
import { type ControlDeps, type ControlEnv, newServerIdentity } from '../control/context.ts';
import { BackendWatch, refreshBackendGauges } from '../control/metrics/backend-gauges.ts';
import { controlMetrics } from '../control/metrics/control-metrics.ts';
import { RecentErrors } from '../control/metrics/recent-errors.ts';
import { createStore } from '../control/store/create-store.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { keepDefaultBackend } from './default-backend.ts';
import { hlsFastPath, type NodeRequestHandler } from './hls-fast-path.ts';
import { keepAliveOriginFetch } from './origin-fetch.ts';
import { processSigner } from './signing-key.ts';

export interface ControlPlane {
  /** Registration, routing, nodes and operator views: served only on PROXY_SYSTEM_API. */
  system: Hono<ControlEnv>;
  /** What players reach: HLS, WHIP/WHEP, versions (PROXY_HTTP_API and the HTTP stream port). */
  public: Hono<ControlEnv>;
  /** HLS GETs served ahead of the public app, straight on node:http (same answers). */
  publicHls?: NodeRequestHandler;
  close(): Promise<void>;
}

export interface ControlPlaneHooks {
  onRtcSessionDeleted?: (username: string) => void;
}

export async function startControlPlane(
  config: Readonly<Config>,
  logger: Logger,
  hooks: ControlPlaneHooks = {},
): Promise<ControlPlane> {
  const store = createStore(config);
  const controlLogger = logger.child({ plane: 'control' });
  const metrics = controlMetrics();
  const liveness = { aliveMs: config.backendTtlMs, suspectMs: config.backendSuspectMs };
  const backendWatch = new BackendWatch(controlLogger, liveness);
  const originFetch = keepAliveOriginFetch();
  const deps: ControlDeps = {
    store,
    logger: controlLogger,
    metrics,
    backendWatch,
    streamTtlMs: config.streamTtlMs,
    recentErrors: new RecentErrors(),
    identity: newServerIdentity(String(process.pid)),
    aliveMs: config.backendTtlMs,
    suspectMs: config.backendSuspectMs,
    registerSecret: config.registerSecret,
    hooksUrl: config.hooksUrl,
    controlToken: config.controlToken,
    signer: processSigner(config, logger),
    backendNetworks: config.backendNetworks,
    rtcCandidate: { host: config.webrtcCandidate, port: config.webrtc.port },
    onRtcSessionDeleted: hooks.onRtcSessionDeleted,
    originUrlTemplate: config.originUrlTemplate,
    originFetch,
  };
  const stopDefault = config.defaultBackend ? await keepDefaultBackend(store, config.defaultBackend, logger) : () => {};
  // On Node a backend that stops heartbeating is noticed within a minute even without scrapes.
  const watchTimer = setInterval(
    () => {
      refreshBackendGauges(store, metrics, backendWatch, Date.now(), liveness).catch(() => {});
    },
    Math.min(60_000, config.backendTtlMs),
  );
  watchTimer.unref();
  const publicApp = createControlApp(deps, 'public');
  return {
    system: createControlApp(deps, 'system'),
    public: publicApp,
    publicHls: hlsFastPath(publicApp, originFetch.get),
    close: async () => {
      clearInterval(watchTimer);
      stopDefault();
      originFetch.close();
      await store.close();
    },
  };
}
