// POST /api/v1/srs/register[/<secret>]: SRS's heartbeat and the manual registration API.
// The secret lives in the path because SRS's heartbeat client drops the URL's query string.

import { Hono } from 'hono';
import { NotFoundError } from '../../shared/errors.ts';
import { safeEqual } from '../auth.ts';
import type { ControlEnv } from '../context.ts';
import { readJson } from '../read-body.ts';
import { parseRegistration } from '../registration.ts';

export const MAX_REGISTER_BODY = 64 * 1024;

export const registerRoute = new Hono<ControlEnv>().post('/api/v1/srs/register/:secret?', async (c) => {
  const deps = c.get('deps');
  const presented = c.req.param('secret');
  if (deps.registerSecret) {
    // 404 rather than 401: without the secret the endpoint does not exist for the caller.
    if (!presented || !safeEqual(presented, deps.registerSecret)) throw new NotFoundError('unknown registration path');
  } else if (presented) {
    throw new NotFoundError('no registration secret is configured; POST /api/v1/srs/register');
  }
  const body = await readJson(c, MAX_REGISTER_BODY);
  const backend = parseRegistration(body, deps.now());
  await deps.store.upsertBackend(backend);
  deps.logger.debug('backend heartbeat', { backend: backend.id, ip: backend.ip, pid: backend.pid });
  return c.json({ code: 0, pid: deps.identity.pid });
});
