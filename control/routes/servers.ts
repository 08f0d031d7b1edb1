// GET /api/v1/servers: the operator's view of registered backends, a page at a time
// (`?limit=` up to 1000, `?after=<id>` from the previous page's `next`).

import { Hono } from 'hono';
import type { BackendRecord, ServerView } from '../../shared/api-types.ts';
import { BadRequestError, NotFoundError } from '../../shared/errors.ts';
import type { ControlEnv } from '../context.ts';
import { backendState } from '../store/store.ts';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

function view(
  backend: BackendRecord,
  now: number,
  options: { aliveMs: number; suspectMs?: number },
  draining: ReadonlySet<string>,
): ServerView {
  const state = backendState(backend, now, options);
  return {
    ...backend,
    alive: state === 'alive',
    state,
    lastHeartbeatAgoMs: now - backend.updatedAt,
    draining: draining.has(backend.id),
  };
}

function pageSize(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PAGE;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw new BadRequestError(`limit must be 1-${MAX_PAGE}`);
  return n;
}

export const serversRoute = new Hono<ControlEnv>()
  .get('/api/v1/servers', async (c) => {
    const deps = c.get('deps');
    const now = deps.now();
    const limit = pageSize(c.req.query('limit'));
    const after = c.req.query('after') ?? '';
    const [backends, draining] = await Promise.all([deps.store.listBackends(), deps.store.listDraining()]);
    const sorted = backends.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const rest = after ? sorted.filter((b) => b.id > after) : sorted;
    const page = rest.slice(0, limit);
    const drainingSet = new Set(draining);
    const servers = page.map((b) => view(b, now, deps, drainingSet));
    const next = rest.length > limit ? page[page.length - 1]?.id : undefined;
    return c.json({ code: 0, data: { servers, total: sorted.length, ...(next ? { next } : {}) } });
  })
  .get('/api/v1/servers/:id', async (c) => {
    const deps = c.get('deps');
    const [backend, draining] = await Promise.all([
      deps.store.getBackend(c.req.param('id')),
      deps.store.listDraining(),
    ]);
    if (!backend) throw new NotFoundError(`no backend ${c.req.param('id')}`);
    return c.json({ code: 0, data: { server: view(backend, deps.now(), deps, new Set(draining)) } });
  });
