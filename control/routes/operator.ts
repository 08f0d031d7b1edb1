// Operator routes on the system surface: the status page, Prometheus metrics, recent errors,
// stream bindings and backend drain.

import { Hono } from 'hono';
import { BadRequestError, NotFoundError } from '../../shared/errors.ts';
import { EXPOSITION_CONTENT_TYPE } from '../../shared/metrics.ts';
import type { ControlEnv } from '../context.ts';
import { refreshBackendGauges } from '../metrics/backend-gauges.ts';
import { STATUS_PAGE_HTML } from '../status-page/status-page-html.ts';
import { backendState } from '../store/store.ts';

const MAX_BINDINGS = 1000;

export const operatorRoute = new Hono<ControlEnv>()
  // The page holds no data; what it shows comes from the token-guarded APIs.
  .get('/', (c) =>
    c.html(STATUS_PAGE_HTML, 200, {
      'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
      'cache-control': 'no-cache',
    }),
  )
  .get('/api/v1/errors', (c) => c.json({ code: 0, data: { errors: c.get('deps').recentErrors.list() } }))
  .get('/metrics', async (c) => {
    const deps = c.get('deps');
    const metrics = deps.metrics;
    await refreshBackendGauges(deps.store, metrics, deps.backendWatch, deps.now(), deps);
    return c.body(await metrics.registry.render(), 200, { 'content-type': EXPOSITION_CONTENT_TYPE });
  })
  .get('/api/v1/bindings', async (c) => {
    const deps = c.get('deps');
    const limitText = c.req.query('limit');
    const limit = limitText === undefined ? MAX_BINDINGS : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BINDINGS)
      throw new BadRequestError(`limit must be 1-${MAX_BINDINGS}`);
    const now = deps.now();
    const [bindings, backends] = await Promise.all([deps.store.listBindings(limit, now), deps.store.listBackends()]);
    const byId = new Map(backends.map((b) => [b.id, b]));
    const rows = bindings.map((b) => {
      const backend = byId.get(b.backendId);
      const state = backend ? backendState(backend, now, deps) : 'dead';
      return {
        stream: b.stream,
        backend: b.backendId,
        backendAlive: state === 'alive',
        backendState: state,
        // Bindings renew on each use, so the time since the last use is what is known of their age.
        lastUsedAgoMs: Math.max(0, deps.streamTtlMs - b.ttlMs),
        expiresInMs: b.ttlMs,
        protocols: b.protocols,
      };
    });
    return c.json({ code: 0, data: { bindings: rows, truncated: rows.length >= limit } });
  })
  .post('/api/v1/servers/:id/drain', async (c) => {
    const deps = c.get('deps');
    const id = c.req.param('id');
    if (!(await deps.store.getBackend(id))) throw new NotFoundError(`no backend ${id}`);
    await deps.store.setDraining(id, true);
    deps.logger.info('backend draining', { backend: id });
    return c.json({ code: 0, data: { backend: id, draining: true } });
  })
  .delete('/api/v1/servers/:id/drain', async (c) => {
    const deps = c.get('deps');
    const id = c.req.param('id');
    await deps.store.setDraining(id, false);
    deps.logger.info('backend accepting streams again', { backend: id });
    return c.json({ code: 0, data: { backend: id, draining: false } });
  });
