// A whole Switchyard node: the data plane, plus the control plane when no remote one is
// configured (all-in-one). Owns everything it starts; shutdown() is graceful then forced.

import type { Hono } from 'hono';
import { startControlPlane } from '../control/embedded.ts';
import { createHlsRoutes } from '../control/hls/hls-routes.ts';
import { type RunningServer, serveControlApp } from '../control/node-server.ts';
import { VERSION_STRING } from '../control/version.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { type ControlClient, inProcessControlClient, remoteControlClient } from './control-client.ts';
import { type DataPlane, startDataPlane } from './dataplane.ts';
import { checkStaticDir } from './http/fallback-app.ts';
import { remoteHlsResolver } from './http/remote-hls-resolver.ts';
import { startNodeAnnouncer } from './node-announcer.ts';
import type { RtmpTimeouts } from './rtmp/session.ts';

export interface SwitchyardNode {
  dataPlane: DataPlane;
  /** Graceful: stop accepting, wait up to graceMs for sessions, then close the rest. */
  shutdown(): Promise<void>;
}

export interface NodeOverrides {
  /** Tests shorten these to see bounded closes quickly. */
  rtmpTimeouts?: RtmpTimeouts;
}

export async function startNode(
  config: Readonly<Config>,
  logger: Logger,
  overrides: NodeOverrides = {},
): Promise<SwitchyardNode> {
  checkStaticDir(config.staticFiles);
  const closers: Array<() => Promise<void>> = [];
  let dataPlaneRef: DataPlane | undefined;
  let control: ControlClient;
  let httpNext: (request: Request) => Response | Promise<Response>;
  let controlServers: RunningServer[] = [];

  if (config.controlUrl) {
    control = remoteControlClient(config.controlUrl, config.controlToken);
    const base = config.controlUrl;
    // Non-stream requests on the HTTP port belong to the control plane, except HLS when this
    // node serves it itself (PROXY_HLS_ON_NODE: the edge cannot reach the origins).
    const forward = (req: Request) => {
      const url = new URL(req.url);
      return fetch(new Request(`${base}${url.pathname}${url.search}`, req));
    };
    if (config.hlsOnNode) {
      const hls = createHlsRoutes(remoteHlsResolver(control));
      hls.all('*', (c) => forward(c.req.raw));
      httpNext = (req) => hls.fetch(req);
    } else {
      httpNext = forward;
    }
  } else {
    const plane = await startControlPlane(config, logger, {
      onRtcSessionDeleted: (username) => dataPlaneRef?.webrtc.closeByUsername(username),
    });
    const app: Hono = plane.app as unknown as Hono;
    control = inProcessControlClient(app, config.controlToken);
    httpNext = (req) => app.fetch(req);
    controlServers = await serveControlApp(plane.app, [config.systemApi, config.httpApi]);
    closers.push(() => plane.close());
    logger.info('control plane listening', {
      systemApi: config.systemApi.port,
      httpApi: config.httpApi.port,
      store: config.loadBalancer,
    });
  }

  const dataPlane = await startDataPlane({
    config,
    control,
    logger,
    version: VERSION_STRING,
    httpNext,
    rtmpTimeouts: overrides.rtmpTimeouts,
  });
  dataPlaneRef = dataPlane;
  logger.info('data plane listening', {
    rtmp: dataPlane.rtmp.port,
    http: dataPlane.http.port,
    webrtc: config.webrtc.port,
  });
  if (config.controlUrl && config.webrtcCandidate) {
    closers.push(startNodeAnnouncer(control, config, logger));
  }

  return {
    dataPlane,
    shutdown: async () => {
      await dataPlane.stopAccepting();
      const deadline = Date.now() + config.graceQuitMs;
      while (dataPlane.activeSessions() > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      if (dataPlane.activeSessions() > 0) {
        logger.warn('grace period over, closing sessions', { sessions: dataPlane.activeSessions() });
      }
      await dataPlane.closeAll('shutdown');
      await Promise.all(controlServers.map((s) => s.close()));
      for (const close of closers) await close();
    },
  };
}
