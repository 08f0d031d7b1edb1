// POST /api/v1/routes: data-plane nodes ask which backend serves a stream over one protocol.

import { Hono } from 'hono';
import { isBackendProtocol } from '../../shared/api-types.ts';
import { BadRequestError } from '../../shared/errors.ts';
import { streamKey } from '../../shared/stream-identity.ts';
import type { ControlEnv } from '../context.ts';
import { askHook } from '../hook-client.ts';
import { readJson } from '../read-body.ts';
import { routeResponse, routeStream } from '../routing.ts';

const MAX_ROUTE_BODY = 4 * 1024;

function field(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '' || value.length > 256) {
    throw new BadRequestError(`field "${name}" must be a non-empty string of at most 256 characters`);
  }
  return value;
}

export const streamRoutesRoute = new Hono<ControlEnv>().post('/api/v1/routes', async (c) => {
  const deps = c.get('deps');
  const body = await readJson(c, MAX_ROUTE_BODY);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestError('body must be a JSON object');
  const fields = body as Record<string, unknown>;
  const proto = fields.proto;
  if (!isBackendProtocol(proto)) throw new BadRequestError('field "proto" must be one of rtmp, http, api, srt, rtc');
  const input = { vhost: field(fields, 'vhost'), app: field(fields, 'app'), stream: field(fields, 'stream'), proto };
  c.set('stream', streamKey(input));
  // Edge auth: with PROXY_HOOKS_URL a publish/play is asked about before any origin sees it.
  const action = fields.action;
  if (deps.hooksUrl && (action === 'publish' || action === 'play')) {
    const query = typeof fields.query === 'string' ? fields.query.slice(0, 1024) : '';
    const ip = typeof fields.ip === 'string' ? fields.ip.slice(0, 64) : '';
    await askHook(
      deps.hooksUrl,
      {
        action: `on_${action}`,
        server_id: deps.identity.server,
        ip,
        vhost: input.vhost,
        app: input.app,
        stream: input.stream,
        param: query ? `?${query}` : '',
      },
      deps.fetch,
    );
  }
  const route = await routeStream(deps.store, input, deps.now(), deps.random());
  c.set('backend', route.backend.id);
  return c.json(routeResponse(route));
});
