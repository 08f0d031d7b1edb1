// Sessions across the data-plane nodes of a split deployment: GET /api/v1/sessions gathers every
// live node's own list from its admin URL (PROXY_NODE_ADMIN_URL, announced with its heartbeat)
// in parallel, bounded in time and size, with the control token; DELETE /api/v1/sessions/<id>
// goes to the node named by `?node=`, else to every node at once (session ids carry a per-process
// tag, so at most one has it). A node that does not answer is reported, never fatal.
// On a Worker (originReach `edge`) nothing is dialled: admin URLs are private addresses a Worker
// cannot and must not fetch, so the answer lists each node's own sessions URL instead.
// All-in-one, the node's admin app answers these paths before the control plane sees them.

import { Hono } from 'hono';
import type { NodeRecord } from '../../shared/api-types.ts';
import { errorMessage, NotFoundError, UnavailableError } from '../../shared/errors.ts';
import type { ControlEnv, ResolvedDeps } from '../context.ts';
import { readBounded } from './srs-api.ts';

const NODE_TIMEOUT_MS = 3_000;

interface NodeAnswer {
  node: string;
  ok: boolean;
  status?: number;
  error?: string;
  body?: { data?: { sessions?: unknown } };
}

async function liveAdminNodes(deps: ResolvedDeps): Promise<NodeRecord[]> {
  const now = deps.now();
  return (await deps.store.listNodes()).filter((n) => n.adminUrl && now - n.updatedAt <= deps.aliveMs);
}

async function askNode(deps: ResolvedDeps, node: NodeRecord, path: string, method = 'GET'): Promise<NodeAnswer> {
  const fetchImpl = deps.fetch ?? fetch;
  try {
    const res = await fetchImpl(`${node.adminUrl}${path}`, {
      method,
      headers: deps.controlToken ? { authorization: `Bearer ${deps.controlToken}` } : {},
      signal: AbortSignal.timeout(NODE_TIMEOUT_MS),
    });
    const body = JSON.parse(await readBounded(res)) as NodeAnswer['body'];
    const ok = res.status === 200;
    return { node: node.id, ok, status: res.status, body, ...(ok ? {} : { error: `answered ${res.status}` }) };
  } catch (err) {
    return { node: node.id, ok: false, error: errorMessage(err).slice(0, 200) };
  }
}

function perNodeLinks(nodes: NodeRecord[]) {
  return nodes.map((n) => ({ node: n.id, ok: false, sessionsUrl: `${n.adminUrl}/api/v1/sessions` }));
}

export const nodeSessionsRoute = new Hono<ControlEnv>()
  .get('/api/v1/sessions', async (c) => {
    const deps = c.get('deps');
    const nodes = await liveAdminNodes(deps);
    if (deps.originReach === 'edge') {
      return c.json({ code: 0, data: { gathered: false, sessions: [], nodes: perNodeLinks(nodes) } });
    }
    const answers = await Promise.all(nodes.map((n) => askNode(deps, n, '/api/v1/sessions')));
    const sessions = answers.flatMap((a) => {
      const list = a.ok ? a.body?.data?.sessions : undefined;
      if (!Array.isArray(list)) return [];
      return list.filter((x) => typeof x === 'object' && x !== null).map((x) => ({ ...x, node: a.node }));
    });
    const summary = answers.map(({ node, ok, error }) => ({ node, ok, ...(error ? { error } : {}) }));
    return c.json({ code: 0, data: { gathered: true, sessions, nodes: summary } });
  })
  .delete('/api/v1/sessions/:id', async (c) => {
    const deps = c.get('deps');
    const id = c.req.param('id');
    if (deps.originReach === 'edge')
      throw new UnavailableError('a Worker does not reach nodes: DELETE on the node (GET /api/v1/sessions lists them)');
    const only = c.req.query('node');
    const nodes = (await liveAdminNodes(deps)).filter((n) => only === undefined || n.id === only);
    const path = `/api/v1/sessions/${encodeURIComponent(id)}`;
    const answers = await Promise.all(nodes.map((n) => askNode(deps, n, path, 'DELETE')));
    const closed = answers.find((a) => a.ok);
    if (!closed) {
      const unreachable = answers.filter((a) => a.status === undefined).map((a) => a.node);
      const also = unreachable.length > 0 ? ` (no answer from ${unreachable.join(', ')})` : '';
      throw new NotFoundError(`no session ${id} on ${only ? `node ${only}` : 'any live node'}${also}`);
    }
    return c.json({ code: 0, data: { id, node: closed.node, closed: true } });
  });
