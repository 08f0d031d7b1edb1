// POST /api/v1/hooks/<event>[/<secret>]: SRS's HTTP callbacks (on_publish, on_unpublish, on_play,
// on_stop) from origins. The origin that says on_publish holds the stream, whoever routed the
// publisher there: the stream is bound to it, and players follow. on_unpublish drops that
// binding. With PROXY_HOOKS_URL each callback is first passed to the operator's hook server and
// its allow/deny is answered back, so origins keep the operator's auth without state of their own.

import { Hono } from 'hono';
import { BadRequestError, NotFoundError } from '../../shared/errors.ts';
import { DEFAULT_VHOST, streamKey } from '../../shared/stream-identity.ts';
import { safeEqual } from '../auth.ts';
import type { ControlEnv } from '../context.ts';
import { askHook } from '../hook-client.ts';
import { readJson } from '../read-body.ts';

const EVENTS = new Set(['on_publish', 'on_unpublish', 'on_play', 'on_stop']);
const MAX_HOOK_BODY = 16 * 1024;

function text(body: Record<string, unknown>, field: string, required: boolean): string {
  const value = body[field];
  if (typeof value === 'string' && value !== '' && value.length <= 256) return value;
  if (!required && (value === undefined || value === '')) return '';
  throw new BadRequestError(`field "${field}" must be a non-empty string of at most 256 characters`);
}

export const hooksRoute = new Hono<ControlEnv>().post('/api/v1/hooks/:event/:secret?', async (c) => {
  const deps = c.get('deps');
  const presented = c.req.param('secret');
  if (deps.registerSecret ? !presented || !safeEqual(presented, deps.registerSecret) : presented)
    throw new NotFoundError('unknown hook path');
  const event = c.req.param('event');
  if (!EVENTS.has(event)) throw new NotFoundError(`unknown hook ${event}`);
  const body = await readJson(c, MAX_HOOK_BODY);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestError('body must be a JSON object');
  const fields = body as Record<string, unknown>;
  // SRS 5+ names itself in every callback; that id is the backend's registration id.
  const origin = text(fields, 'server_id', true);
  const key = streamKey({
    vhost: text(fields, 'vhost', false) || DEFAULT_VHOST,
    app: text(fields, 'app', true),
    stream: text(fields, 'stream', true),
  });
  c.set('stream', key);
  if (deps.hooksUrl && (event === 'on_publish' || event === 'on_play'))
    await askHook(deps.hooksUrl, fields, deps.fetch);
  if (event === 'on_publish') {
    const bound = await deps.store.bindStream(key, origin, deps.now());
    deps.logger.info('stream published on origin', { backend: origin, bound });
  } else if (event === 'on_unpublish') {
    const dropped = await deps.store.unbindStream(key, origin);
    deps.logger.info('stream unpublished on origin', { backend: origin, dropped });
  }
  // Stop events are told to the operator too, but cannot be refused.
  if (deps.hooksUrl && (event === 'on_unpublish' || event === 'on_stop'))
    await askHook(deps.hooksUrl, fields, deps.fetch).catch(() => {});
  return c.json({ code: 0 });
});
