// Assembles the control-plane Hono app. The same app runs in a Worker and on Node.

import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { requireToken } from './auth.ts';
import type { ControlDeps, ControlEnv } from './context.ts';
import { answerErrorsAsJson } from './errors.ts';
import { createHlsRoutes } from './hls/hls-routes.ts';
import { storeHlsResolver } from './hls/store-resolver.ts';
import { OFFER_LIMIT, REGISTER_LIMIT, ROUTE_LIMIT, rateLimit } from './rate-limit.ts';
import { backendReportsRoute } from './routes/backend-reports.ts';
import { hooksRoute } from './routes/hooks.ts';
import { nodesRoute } from './routes/nodes.ts';
import { registerRoute } from './routes/register.ts';
import { rtcRoute } from './routes/rtc.ts';
import { serversRoute } from './routes/servers.ts';
import { streamRoutesRoute } from './routes/stream-routes.ts';
import { versionsRoute } from './routes/versions.ts';

/** Routes for data-plane nodes and operators: behind the control token when one is set. */
const INTERNAL_PATHS = [
  '/api/v1/routes',
  '/api/v1/servers',
  '/api/v1/servers/*',
  '/api/v1/nodes',
  '/api/v1/rtc/sessions/*',
  '/api/v1/backends/*',
];

/**
 * Which routes an app serves. `public`: what players reach on the player-facing ports (HLS,
 * WHIP/WHEP, versions). `system`: registration, routing, nodes, operator views, only on
 * PROXY_SYSTEM_API. `all`: both, for a Worker, whose one URL is guarded by secret and token.
 */
export type Surface = 'public' | 'system' | 'all';

export function createControlApp(deps: ControlDeps, surface: Surface = 'all'): Hono<ControlEnv> {
  const resolved = { now: Date.now, random: Math.random, ...deps };
  const app = new Hono<ControlEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', resolved);
    await next();
  });
  app.use('/api/v1/versions', cors());
  app.route('/', versionsRoute);
  if (surface !== 'public') {
    const internal = requireToken(resolved.controlToken);
    for (const path of INTERNAL_PATHS) app.use(path, internal);
    app.post('/api/v1/srs/register/*', rateLimit('registration', REGISTER_LIMIT));
    app.post('/api/v1/routes', rateLimit('routing', ROUTE_LIMIT));
    app.route('/', registerRoute);
    app.route('/', streamRoutesRoute);
    app.route('/', serversRoute);
    app.route('/', nodesRoute);
    app.route('/', backendReportsRoute);
    app.post('/api/v1/hooks/*', rateLimit('hooks', REGISTER_LIMIT));
    app.route('/', hooksRoute);
  }
  if (surface !== 'system') {
    const offers = rateLimit('WebRTC offer', OFFER_LIMIT);
    for (const path of ['/rtc/v1/whip/*', '/rtc/v1/whep/*', '/rtc/v1/publish/*', '/rtc/v1/play/*'])
      app.post(path, offers);
    app.route('/', rtcRoute);
    const resolver = storeHlsResolver(resolved.store, resolved.now, resolved.random);
    app.route('/', createHlsRoutes(resolver, { signer: resolved.signer, fetch: deps.fetch }));
  }
  answerErrorsAsJson(app, resolved.logger);
  return app;
}
