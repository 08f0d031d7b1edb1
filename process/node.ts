// The composition root of a Switchyard node: the data plane, plus the control plane when no
// remote one is configured (all-in-one). Owns everything it starts: a failure half-way through
// start-up closes what was already open, and shutdown() is graceful, then forced.

import { Hono } from 'hono';
import { answerErrorsAsJson } from '../control/errors.ts';
import { createHlsRoutes } from '../control/hls/hls-routes.ts';
import { type ControlClient, inProcessControlClient, remoteControlClient } from '../dataplane/control-client.ts';
import { type DataPlane, type ListenerPlane, type ListenerSet, startDataPlane } from '../dataplane/dataplane.ts';
import { checkStaticDir } from '../dataplane/http/fallback-app.ts';
import { createOriginGateway } from '../dataplane/http/origin-gateway.ts';
import type { RtmpTimeouts } from '../dataplane/rtmp/session.ts';
import type { RtspTimeouts } from '../dataplane/rtsp/session.ts';
import type { Config } from '../shared/config.ts';
import { ConfigError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { Signer } from '../shared/signer.ts';
import { VERSION_STRING } from '../shared/version.ts';
import type { ClusterHop } from './cluster-hop.ts';
import { startControlPlane } from './control-plane.ts';
import { warnIfSystemApiExposed } from './exposure-warning.ts';
import type { NodeRequestHandler } from './hls-fast-path.ts';
import { listenHttp, serveControlApps } from './http-server.ts';
import { describeListenError } from './listen-errors.ts';
import { createNodeAdminApp, drainingControl, NodeDrain, type NodePeers } from './node-admin.ts';
import { nodeIdOf, startNodeAnnouncer } from './node-announcer.ts';
import { collectNodeMetrics } from './node-metrics.ts';
import { remoteHlsResolver } from './remote-hls-resolver.ts';
import { processSigner } from './signing-key.ts';

export interface SwitchyardNode<P extends ListenerPlane = DataPlane> {
  dataPlane: P;
  /** Serving or draining (operator API, SIGTERM). */
  drain: NodeDrain;
  /** Graceful: stop accepting, wait up to graceMs for sessions, then close the rest. */
  shutdown(): Promise<void>;
}

export interface NodeOverrides {
  /** Tests shorten these to see bounded closes quickly. */
  rtmpTimeouts?: RtmpTimeouts;
  rtspTimeouts?: RtspTimeouts;
}

/** A cluster's primary (process/cluster-primary.ts). */
export interface PartialNodeOverrides extends NodeOverrides {
  /** The listeners this process runs: the primary keeps only the UDP ones. */
  listeners: ListenerSet;
  /** Awaited on shutdown before the control plane closes: the cluster's workers finishing. */
  awaitPeers?: () => Promise<void>;
  /** The workers, whose sessions and drain state the node's API covers. */
  peers?: NodePeers;
  /** Checks the workers' stamped requests: the control apps see the players' addresses. */
  hop?: ClusterHop;
}

type HttpHandler = (request: Request, env: unknown) => Response | Promise<Response>;

/**
 * What the node's HTTP port does with requests that are not live streams, in split mode (sent on
 * to the control plane) and in a cluster's workers (sent on to the primary's public API).
 */
export function remoteHttpHandler(
  config: Readonly<Config>,
  control: ControlClient,
  logger: Logger,
  to: { base: string; hop?: ClusterHop } = { base: config.controlUrl as string },
): HttpHandler {
  const forward = (req: Request, env: unknown) => {
    const url = new URL(req.url);
    const passed = new Request(`${to.base}${url.pathname}${url.search}`, req);
    // A cluster's worker says which player this is, for the primary's per-address rate limits.
    to.hop?.stampForPlayer(passed.headers, env);
    return fetch(passed);
  };
  const app = new Hono();
  // The origin gateway of an edge control plane (PROXY_NODE_PUBLIC_URL).
  if (config.nodePublicUrl) {
    if (!config.signingKey)
      throw new ConfigError(
        'PROXY_NODE_PUBLIC_URL needs PROXY_SIGNING_KEY, the key the edge signs gateway tickets with',
      );
    app.route(
      '/',
      createOriginGateway({ signer: new Signer(config.signingKey), networks: config.backendNetworks, logger }),
    );
  }
  // HLS is served here when players should fetch it from the node (PROXY_HLS_ON_NODE).
  if (config.hlsOnNode)
    app.route('/', createHlsRoutes(remoteHlsResolver(control), { signer: processSigner(config, logger) }));
  app.all('*', (c) => forward(c.req.raw, c.env));
  answerErrorsAsJson(app, logger.child({ plane: 'data', proto: 'http' }));
  return (req, env) => app.fetch(req, env);
}

export function startNode(config: Readonly<Config>, logger: Logger, overrides?: NodeOverrides): Promise<SwitchyardNode>;
export function startNode(
  config: Readonly<Config>,
  logger: Logger,
  overrides: PartialNodeOverrides,
): Promise<SwitchyardNode<ListenerPlane>>;
export async function startNode(
  config: Readonly<Config>,
  logger: Logger,
  overrides: NodeOverrides & Partial<PartialNodeOverrides> = {},
): Promise<SwitchyardNode<ListenerPlane>> {
  checkStaticDir(config.staticFiles);
  // Closed in reverse order of opening, on shutdown or when start-up fails half-way.
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  };
  try {
    let dataPlaneRef: ListenerPlane | undefined;
    let control: ControlClient;
    let httpNext: HttpHandler;
    let httpDirect: NodeRequestHandler | undefined;
    const drain = new NodeDrain(logger.child({ plane: 'data' }));
    const nodeId = nodeIdOf(config);
    const admin = (next?: HttpHandler) =>
      createNodeAdminApp({
        nodeId,
        drain,
        dataPlane: () => dataPlaneRef,
        peers: overrides.peers,
        controlToken: config.controlToken,
        logger: logger.child({ plane: 'data' }),
        next,
      });
    if (config.controlUrl) {
      control = remoteControlClient(config.controlUrl, config.controlToken);
      httpNext = remoteHttpHandler(config, control, logger);
      // Split mode: the node's own health, drain, sessions and /metrics on PROXY_SYSTEM_API.
      const server = await listenHttp((req, env) => admin().fetch(req, env), config.systemApi);
      closers.push(() => server.close());
      warnIfSystemApiExposed(config, logger);
    } else {
      const plane = await startControlPlane(config, logger, {
        onRtcSessionDeleted: (username) => dataPlaneRef?.webrtc?.closeByUsername(username),
      });
      closers.push(() => plane.close());
      control = inProcessControlClient(plane.system, config.controlToken);
      httpNext = (req, env) => plane.public.fetch(req, env);
      // Static files come first on the stream port; the fast path would answer before them.
      if (!config.staticFiles) httpDirect = plane.publicHls;
      const system = admin((req, env) => plane.system.fetch(req, env));
      const hop = overrides.hop;
      const vouched = (app: { fetch: HttpHandler }) =>
        hop ? { fetch: (req: Request, env: unknown) => app.fetch(req, hop.vouch(req, env)) } : app;
      const servers = await serveControlApps([
        [vouched(system), config.systemApi],
        [vouched(plane.public), config.httpApi, plane.publicHls],
      ]);
      closers.push(async () => {
        await Promise.all(servers.map((s) => s.close()));
      });
      warnIfSystemApiExposed(config, logger);
      logger.info('control plane listening', {
        systemApi: config.systemApi.port,
        httpApi: config.httpApi.port,
        store: config.loadBalancer,
      });
    }

    const { dataPlane, stopMetrics } = await startNodeDataPlane(config, control, drain, logger, httpNext, {
      ...overrides,
      httpDirect,
    });
    dataPlaneRef = dataPlane;
    closers.push(async () => stopMetrics());
    logger.info('data plane listening', {
      rtmp: dataPlane.rtmp?.port,
      http: dataPlane.http?.port,
      webrtc: config.webrtc.port,
      srt: config.srt.port,
    });
    if (config.controlUrl && (config.webrtcCandidate || config.nodePublicUrl || config.nodeAdminUrl)) {
      closers.push(startNodeAnnouncer(control, config, logger));
    }

    return {
      dataPlane,
      drain,
      shutdown: async () => {
        // The health check answers 503 for the whole grace period; the system port stays open.
        await drainDataPlane(dataPlane, drain, config.graceQuitMs, logger);
        await overrides.awaitPeers?.();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw describeListenError(err, config);
  }
}

/** A node's data plane: routing refused while the node drains, its gauges in /metrics. */
export async function startNodeDataPlane(
  config: Readonly<Config>,
  control: ControlClient,
  drain: NodeDrain,
  logger: Logger,
  httpNext: HttpHandler,
  options: {
    rtmpTimeouts?: RtmpTimeouts;
    rtspTimeouts?: RtspTimeouts;
    listeners?: ListenerSet;
    httpDirect?: NodeRequestHandler;
  },
): Promise<{ dataPlane: ListenerPlane; stopMetrics: () => void }> {
  const dataPlane = await startDataPlane({
    config,
    control: drainingControl(control, drain),
    logger,
    version: VERSION_STRING,
    httpNext,
    httpDirect: options.httpDirect,
    draining: () => drain.draining,
    rtmpTimeouts: options.rtmpTimeouts,
    rtspTimeouts: options.rtspTimeouts,
    listeners: options.listeners,
  });
  return { dataPlane, stopMetrics: collectNodeMetrics(dataPlane, drain) };
}

/** Graceful: stop accepting, wait up to graceMs for sessions, then close the rest. */
export async function drainDataPlane(
  dataPlane: ListenerPlane,
  drain: NodeDrain,
  graceMs: number,
  logger: Logger,
): Promise<void> {
  drain.drain('shutdown');
  await dataPlane.stopAccepting();
  const deadline = Date.now() + graceMs;
  while (dataPlane.activeSessions() > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (dataPlane.activeSessions() > 0) {
    logger.warn('grace period over, closing sessions', { sessions: dataPlane.activeSessions() });
  }
  await dataPlane.closeAll('shutdown');
}
