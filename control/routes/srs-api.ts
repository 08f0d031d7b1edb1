// SRS's own HTTP API answered for the whole cluster: /api/v1/streams[/<id>], /api/v1/clients and
// /api/v1/summaries in SRS's response shape, gathered from every live origin's API endpoint in
// parallel (each bounded in time and size). Each entry carries `backend`, the origin's id; an
// origin that does not answer is listed under `origins` with its error, never fatal.

import { Hono } from 'hono';
import type { BackendRecord } from '../../shared/api-types.ts';
import { dialAddress, originUrl } from '../../shared/endpoint.ts';
import { errorMessage, NotFoundError } from '../../shared/errors.ts';
import { VERSION_STRING } from '../../shared/version.ts';
import type { ControlEnv, ResolvedDeps } from '../context.ts';
import { isAlive } from '../store/store.ts';

const ORIGIN_TIMEOUT_MS = 3_000;
const MAX_ORIGIN_BODY = 4 * 1024 * 1024;
/** SRS lists 10 streams or clients unless asked; ask each origin for up to this many. */
const MAX_PER_ORIGIN = 1000;

export interface OriginAnswer {
  backend: string;
  ok: boolean;
  error?: string;
  body?: Record<string, unknown>;
}

export async function readBounded(res: Response): Promise<string> {
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_ORIGIN_BODY) throw new Error(`answer of ${length} bytes is too large`);
  const text = await res.text();
  if (text.length > MAX_ORIGIN_BODY) throw new Error('answer is too large');
  return text;
}

async function askOrigin(deps: ResolvedDeps, backend: BackendRecord, path: string): Promise<OriginAnswer> {
  const endpoint = backend.endpoints.api?.[0];
  if (!endpoint) return { backend: backend.id, ok: false, error: 'no api endpoint' };
  const fetchImpl = deps.fetch ?? fetch;
  try {
    const res = await fetchImpl(originUrl(dialAddress(endpoint, backend.ip), path), {
      signal: AbortSignal.timeout(ORIGIN_TIMEOUT_MS),
    });
    const text = await readBounded(res);
    const body = JSON.parse(text) as Record<string, unknown>;
    if (res.status !== 200 || typeof body !== 'object' || body === null) {
      return { backend: backend.id, ok: false, error: `answered ${res.status}`, body };
    }
    return {
      backend: backend.id,
      ok: body.code === 0,
      body,
      ...(body.code === 0 ? {} : { error: `code ${body.code}` }),
    };
  } catch (err) {
    return { backend: backend.id, ok: false, error: errorMessage(err).slice(0, 200) };
  }
}

/** Asks every live origin with an API endpoint, in parallel. */
export async function askOrigins(deps: ResolvedDeps, path: string): Promise<OriginAnswer[]> {
  const now = deps.now();
  const live = (await deps.store.listBackends()).filter(
    (b) => isAlive(b, now, deps.aliveMs) && (b.endpoints.api?.length ?? 0) > 0,
  );
  return Promise.all(live.map((b) => askOrigin(deps, b, path)));
}

function envelope(deps: ResolvedDeps) {
  return { code: 0, server: deps.identity.server, service: deps.identity.service, pid: deps.identity.pid };
}

/** Where each origin stood, without the bodies. */
function origins(answers: OriginAnswer[]) {
  return answers.map(({ backend, ok, error }) => ({ backend, ok, ...(error ? { error } : {}) }));
}

/** The `field` list of every answering origin, each entry annotated with its backend. */
function merged(answers: OriginAnswer[], field: string): Array<Record<string, unknown>> {
  return answers.flatMap((a) => {
    const list = a.ok ? a.body?.[field] : undefined;
    if (!Array.isArray(list)) return [];
    return list
      .filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
      .map((x) => ({ ...x, backend: a.backend }));
  });
}

const listQuery = `?start=0&count=${MAX_PER_ORIGIN}`;

/** Read-only stream stats: also served on the public surface, as SRS does on its API port. */
export const srsStreamsRoute = new Hono<ControlEnv>()
  .get('/api/v1/streams', async (c) => {
    const deps = c.get('deps');
    const answers = await askOrigins(deps, `/api/v1/streams/${listQuery}`);
    return c.json({ ...envelope(deps), streams: merged(answers, 'streams'), origins: origins(answers) });
  })
  .get('/api/v1/streams/:id', async (c) => {
    const deps = c.get('deps');
    const id = c.req.param('id');
    if (!/^[\w.-]{1,128}$/.test(id)) throw new NotFoundError(`no stream ${id}`);
    const answers = await askOrigins(deps, `/api/v1/streams/${id}`);
    const found = answers.find((a) => a.ok && typeof a.body?.stream === 'object' && a.body.stream !== null);
    if (!found) throw new NotFoundError(`no origin has stream ${id}`);
    return c.json({ ...envelope(deps), stream: { ...(found.body?.stream as object), backend: found.backend } });
  });

/** Clients and summaries: operator-only (system surface). */
export const srsClientsRoute = new Hono<ControlEnv>()
  .get('/api/v1/clients', async (c) => {
    const deps = c.get('deps');
    const answers = await askOrigins(deps, `/api/v1/clients/${listQuery}`);
    return c.json({ ...envelope(deps), clients: merged(answers, 'clients'), origins: origins(answers) });
  })
  .get('/api/v1/summaries', async (c) => {
    const deps = c.get('deps');
    const answers = await askOrigins(deps, '/api/v1/summaries');
    const perOrigin = answers.map((a) => ({ ...origins([a])[0], data: a.ok ? a.body?.data : undefined }));
    const data = {
      ok: true,
      now_ms: deps.now(),
      self: { version: VERSION_STRING, server: 'switchyard' },
      origins: perOrigin,
    };
    return c.json({ ...envelope(deps), data });
  });
