// The control plane as a Node component: store, app and default-backend heartbeat, owned together.

import type { Hono } from 'hono';
import { createControlApp } from '../control/app.ts';
import { type ControlEnv, newServerIdentity } from '../control/context.ts';
import { createStore } from '../control/store/create-store.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { keepDefaultBackend } from './default-backend.ts';

export interface ControlPlane {
  app: Hono<ControlEnv>;
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
  const app = createControlApp({
    store,
    logger: logger.child({ plane: 'control' }),
    identity: newServerIdentity(String(process.pid)),
    aliveMs: config.backendTtlMs,
    registerSecret: config.registerSecret,
    controlToken: config.controlToken,
    rtcCandidate: { host: config.webrtcCandidate, port: config.webrtc.port },
    onRtcSessionDeleted: hooks.onRtcSessionDeleted,
  });
  const stopDefault = config.defaultBackend ? await keepDefaultBackend(store, config.defaultBackend, logger) : () => {};
  return {
    app,
    close: async () => {
      stopDefault();
      await store.close();
    },
  };
}
