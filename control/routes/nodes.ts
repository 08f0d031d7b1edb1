// What data-plane nodes call besides routing: their own heartbeat (so signalling can hand their
// address to WebRTC clients) and WebRTC session lookups by ICE username.

import { Hono } from 'hono';
import type { NodeRecord } from '../../shared/api-types.ts';
import { BadRequestError, NotFoundError } from '../../shared/errors.ts';
import { parseWorkerBaseUrl } from '../../shared/public-url.ts';
import type { ControlEnv } from '../context.ts';
import { readJson } from '../read-body.ts';

function optionalPort(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new BadRequestError(`field "${name}" must be a port`);
  }
  return value;
}

/** `scheme://host[:port]` of a node's system API; dialled only by a control plane on Node. */
function parseAdminUrl(value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' && value.length <= 300 ? new URL(value) : undefined;
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new BadRequestError('field "adminUrl" must be an http(s) URL');
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== ''))
    throw new BadRequestError('field "adminUrl" must be scheme://host[:port] with no path, query or credentials');
  return `${url.protocol}//${url.host}`;
}

export const nodesRoute = new Hono<ControlEnv>()
  .post('/api/v1/nodes', async (c) => {
    const deps = c.get('deps');
    const body = (await readJson(c, 4096)) as Record<string, unknown>;
    const id = body?.id;
    const publicIp = body?.publicIp;
    if (typeof id !== 'string' || !/^[\w.:-]{1,128}$/.test(id))
      throw new BadRequestError('field "id" must be 1-128 of A-Z a-z 0-9 _ . : -');
    const gatewayUrl = body.gatewayUrl === undefined ? undefined : parseWorkerBaseUrl(body.gatewayUrl, 'gatewayUrl');
    // A node that is only an origin gateway (or only announces its admin URL) has no media address.
    if (
      (publicIp !== undefined || (!gatewayUrl && body.adminUrl === undefined)) &&
      (typeof publicIp !== 'string' || !/^[A-Za-z0-9.:-]{1,253}$/.test(publicIp))
    )
      throw new BadRequestError('field "publicIp" must be an address');
    const region = body.region;
    if (region !== undefined && (typeof region !== 'string' || !/^[\w.-]{1,64}$/.test(region)))
      throw new BadRequestError('field "region" must be 1-64 of A-Z a-z 0-9 _ . -');
    const adminUrl = body.adminUrl === undefined ? undefined : parseAdminUrl(body.adminUrl);
    const node: NodeRecord = {
      id,
      publicIp: publicIp as string | undefined,
      rtcPort: optionalPort(body.rtcPort, 'rtcPort'),
      srtPort: optionalPort(body.srtPort, 'srtPort'),
      gatewayUrl,
      region: region as string | undefined,
      adminUrl,
      updatedAt: deps.now(),
    };
    await deps.store.upsertNode(node);
    return c.json({ code: 0 });
  })
  .get('/api/v1/nodes', async (c) => {
    const deps = c.get('deps');
    const now = deps.now();
    const nodes = (await deps.store.listNodes()).map((n) => ({ ...n, alive: now - n.updatedAt <= deps.aliveMs }));
    return c.json({ code: 0, data: { nodes } });
  })
  .get('/api/v1/rtc/sessions/:username', async (c) => {
    const deps = c.get('deps');
    const session = await deps.store.touchRtcSession(c.req.param('username'), deps.now());
    if (!session) throw new NotFoundError('no such WebRTC session');
    return c.json({ code: 0, data: { session } });
  });
