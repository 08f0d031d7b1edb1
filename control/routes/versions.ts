// GET/POST /api/v1/versions in SRS's own shape, so SRS health checks keep working.

import { Hono } from 'hono';
import { VERSION, VERSION_STRING } from '../../shared/version.ts';
import type { ControlEnv } from '../context.ts';

export const versionsRoute = new Hono<ControlEnv>().on(['GET', 'POST'], '/api/v1/versions', (c) => {
  const { identity } = c.get('deps');
  return c.json({ code: 0, ...identity, data: { ...VERSION, version: VERSION_STRING } });
});
