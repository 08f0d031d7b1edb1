// POST /api/v1/srs/register[/<secret>]: SRS's heartbeat and the manual registration API.
// The secret lives in the path because SRS's heartbeat client drops the URL's query string.

import { Hono } from 'hono';
import { ConflictError, NotFoundError, UnavailableError } from '../../shared/errors.ts';
import { DEFAULT_BACKEND_NETWORKS, NetworkList } from '../../shared/networks.ts';
import { safeEqual } from '../auth.ts';
import { clientAddress } from '../client-address.ts';
import type { ControlEnv } from '../context.ts';
import { loadFromSummaries } from '../placement.ts';
import { readJson } from '../read-body.ts';
import { checkBackendNetworks, parseRegistration, templatePublicUrls } from '../registration.ts';

const DEFAULT_NETWORKS = new NetworkList(DEFAULT_BACKEND_NETWORKS);

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
  checkBackendNetworks(backend, deps.backendNetworks ?? DEFAULT_NETWORKS);
  if (!backend.publicUrls && deps.originUrlTemplate)
    backend.publicUrls = templatePublicUrls(deps.originUrlTemplate, backend);
  backend.source = clientAddress(c, deps.clientAddressHeader) ?? 'unknown';
  if ((body as Record<string, unknown>).summaries !== undefined) {
    // The previous sample turns SRS's byte counters into a rate: one more read, only with summaries.
    const previous = await deps.store.getBackend(backend.id);
    backend.load = loadFromSummaries(body as Record<string, unknown>, previous?.load);
  }
  // With a secret every registration proves it; without, only the registrant's address can refresh a live slot.
  const result = await deps.store.upsertBackend(backend, { sameSourceOnly: !deps.registerSecret });
  if (result === 'taken') {
    throw new ConflictError(`backend ${backend.id} is alive and registered from another address`);
  }
  if (result === 'full') throw new UnavailableError('backend table is full');
  deps.logger.debug('backend heartbeat', { backend: backend.id, ip: backend.ip, pid: backend.pid });
  return c.json({ code: 0, pid: deps.identity.pid });
});
