// Assembles the control-plane Hono app. The same app runs in a Worker and on Node.

import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { requireToken } from './auth.ts';
import type { ControlDeps, ControlEnv } from './context.ts';
import { answerErrorsAsJson } from './errors.ts';
import { createHlsRoutes } from './hls/hls-routes.ts';
import { registerHlsService } from './hls/hls-service.ts';
import { storeHlsResolver } from './hls/store-resolver.ts';
import { BackendWatch } from './metrics/backend-gauges.ts';
import { controlMetrics, requestKind } from './metrics/control-metrics.ts';
import { observedStore } from './metrics/observed-store.ts';
import { RecentErrors, recordingLogger } from './metrics/recent-errors.ts';
import { originRequest } from './origin-reach.ts';
import { OFFER_LIMIT, REGISTER_LIMIT, ROUTE_LIMIT, rateLimit } from './rate-limit.ts';
import { backendReportsRoute } from './routes/backend-reports.ts';
import { hooksRoute } from './routes/hooks.ts';
import { nodeSessionsRoute } from './routes/node-sessions.ts';
import { nodesRoute } from './routes/nodes.ts';
import { operatorRoute } from './routes/operator.ts';
import { playerPageRoute } from './routes/player-page.ts';
import { registerRoute } from './routes/register.ts';
import { rtcRoute } from './routes/rtc.ts';
import { serversRoute } from './routes/servers.ts';
import { srsClientsRoute, srsStreamsRoute } from './routes/srs-api.ts';
import { streamRoutesRoute } from './routes/stream-routes.ts';
import { versionsRoute } from './routes/versions.ts';

/** Routes for data-plane nodes and operators: behind the control token when one is set. */
const INTERNAL_PATHS = [
  '/api/v1/routes',
  '/api/v1/servers',
  '/api/v1/servers/*',
  '/api/v1/nodes',
  '/api/v1/rtc/sessions/*',
  '/api/v1/bindings',
  '/api/v1/errors',
  '/metrics',
  '/api/v1/clients',
  '/api/v1/summaries',
  '/api/v1/backends/*',
  '/api/v1/sessions',
  '/api/v1/sessions/*',
];

/** SRS's stream stats: behind the token on the system port, open (read-only) where players are. */
const STREAM_STATS_PATHS = ['/api/v1/streams', '/api/v1/streams/*'];

/**
 * Which routes an app serves. `public`: what players reach on the player-facing ports (HLS,
 * WHIP/WHEP, versions). `system`: registration, routing, nodes, operator views, only on
 * PROXY_SYSTEM_API. `all`: both, for a Worker, whose one URL is guarded by secret and token.
 */
export type Surface = 'public' | 'system' | 'all';

export function createControlApp(deps: ControlDeps, surface: Surface = 'all'): Hono<ControlEnv> {
  const metrics = deps.metrics ?? controlMetrics();
  const resolved: ControlEnv['Variables']['deps'] = {
    now: Date.now,
    random: Math.random,
    backendWatch: new BackendWatch(deps.logger, deps),
    streamTtlMs: 86_400_000,
    recentErrors: new RecentErrors(),
    ...deps,
    metrics,
    store: observedStore(deps.store, metrics, deps.logger),
  };
  const app = new Hono<ControlEnv>();
  const countRequest = (path: string, status: number) =>
    metrics.requests.inc({ kind: requestKind(path), status: String(status) });
  const failureLogger = recordingLogger(resolved.logger, resolved.recentErrors);
  app.use('*', async (c, next) => {
    c.set('deps', resolved);
    await next();
    countRequest(c.req.path, c.res.status);
  });
  app.use('/api/v1/versions', cors());
  app.route('/', versionsRoute);
  if (surface !== 'public') {
    const internal = requireToken(resolved.controlToken);
    for (const path of INTERNAL_PATHS) app.use(path, internal);
    if (surface === 'system') for (const path of STREAM_STATS_PATHS) app.use(path, internal);
    app.post('/api/v1/srs/register/*', rateLimit('registration', REGISTER_LIMIT));
    app.post('/api/v1/routes', rateLimit('routing', ROUTE_LIMIT));
    app.route('/', registerRoute);
    app.route('/', streamRoutesRoute);
    app.route('/', serversRoute);
    app.route('/', nodesRoute);
    app.route('/', operatorRoute);
    app.route('/', nodeSessionsRoute);
    app.route('/', srsClientsRoute);
    app.route('/', backendReportsRoute);
    app.post('/api/v1/hooks/*', rateLimit('hooks', REGISTER_LIMIT));
    app.route('/', hooksRoute);
  }
  app.use('/api/v1/streams', cors());
  app.use('/api/v1/streams/*', cors());
  app.route('/', srsStreamsRoute);
  if (surface !== 'system') {
    const offers = rateLimit('WebRTC offer', OFFER_LIMIT);
    for (const path of ['/rtc/v1/whip/*', '/rtc/v1/whep/*', '/rtc/v1/publish/*', '/rtc/v1/play/*'])
      app.post(path, offers);
    app.route('/', rtcRoute);
    app.route('/', playerPageRoute);
    const resolver = storeHlsResolver(resolved.store, resolved.now, resolved.random);
    const { signer } = resolved;
    app.route('/', createHlsRoutes(resolver, { signer, request: originRequest(resolved) }));
    const privateReach = resolved.originReach !== 'edge' && !resolved.fetch;
    registerHlsService(app, { resolver, signer, countRequest, failureLogger, privateReach });
  }
  answerErrorsAsJson(app, failureLogger);
  return app;
}
