// GET /api/v1/servers: the operator's view of registered backends.

import { Hono } from 'hono';
import type { ServerView } from '../../shared/api-types.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { ControlEnv } from '../context.ts';
import { isAlive } from '../store/store.ts';

export const serversRoute = new Hono<ControlEnv>()
  .get('/api/v1/servers', async (c) => {
    const deps = c.get('deps');
    const now = deps.now();
    const servers: ServerView[] = (await deps.store.listBackends())
      .map((b) => ({ ...b, alive: isAlive(b, now, deps.aliveMs), lastHeartbeatAgoMs: now - b.updatedAt }))
      .sort((a, b) => a.id.localeCompare(b.id));
    return c.json({ code: 0, data: { servers } });
  })
  .get('/api/v1/servers/:id', async (c) => {
    const deps = c.get('deps');
    const backend = await deps.store.getBackend(c.req.param('id'));
    if (!backend) throw new NotFoundError(`no backend ${c.req.param('id')}`);
    const now = deps.now();
    const view: ServerView = {
      ...backend,
      alive: isAlive(backend, now, deps.aliveMs),
      lastHeartbeatAgoMs: now - backend.updatedAt,
    };
    return c.json({ code: 0, data: { server: view } });
  });
