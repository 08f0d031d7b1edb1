// POST /api/v1/backends/<id>/failures: a data-plane node could not reach the backend (refused,
// reset, timeout): it is suspect at once, so new streams avoid it, and dead after the suspect
// window unless it heartbeats. POST /api/v1/backends/<id>/probes: a node reached it again.

import { Hono } from 'hono';
import { NotFoundError } from '../../shared/errors.ts';
import type { ControlEnv } from '../context.ts';
import { readJson } from '../read-body.ts';

const MAX_REPORT_BODY = 1024;

function detail(body: unknown): string {
  const text = (body as { reason?: unknown } | null)?.reason;
  return typeof text === 'string' ? text.slice(0, 200) : '';
}

export const backendReportsRoute = new Hono<ControlEnv>()
  .post('/api/v1/backends/:id/failures', async (c) => {
    const deps = c.get('deps');
    const id = c.req.param('id');
    const body = c.req.header('content-length') === '0' ? {} : await readJson(c, MAX_REPORT_BODY).catch(() => ({}));
    if (!(await deps.store.reportBackend(id, false, deps.now()))) throw new NotFoundError(`no backend ${id}`);
    deps.logger.warn('backend reported failing', { backend: id, detail: detail(body) });
    return c.json({ code: 0 });
  })
  .post('/api/v1/backends/:id/probes', async (c) => {
    const deps = c.get('deps');
    const id = c.req.param('id');
    if (!(await deps.store.reportBackend(id, true, deps.now()))) throw new NotFoundError(`no backend ${id}`);
    deps.logger.info('backend probed ok', { backend: id });
    return c.json({ code: 0 });
  });
