// A node's own operator surface on PROXY_SYSTEM_API: health for load balancers, drain/cordon,
// its sessions (list and kick), and, in split mode, its own /metrics. All-in-one, requests it does
// not answer go on to the control plane's system app on the same port. Everything but the health
// check needs PROXY_CONTROL_TOKEN when one is set.

import { Hono } from 'hono';
import { requireToken } from '../control/auth.ts';
import { answerErrorsAsJson } from '../control/errors.ts';
import type { ControlClient } from '../dataplane/control-client.ts';
import type { ListenerPlane } from '../dataplane/dataplane.ts';
import { countSessions, kickSession, listSessions, type SessionCounts } from '../dataplane/session-list.ts';
import type { SessionView } from '../dataplane/session-view.ts';
import { DrainingError, NotFoundError, UnavailableError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { defaultRegistry, EXPOSITION_CONTENT_TYPE } from '../shared/metrics.ts';

/** Why a node drains: an operator asked (and may undo it), or SIGTERM's grace period. */
export type DrainCause = 'operator' | 'shutdown';

/** The node's serving state: while draining its health check fails and new sessions are refused. */
export class NodeDrain {
  private cause: DrainCause | undefined;
  private since = 0;

  constructor(private readonly logger: Logger) {}

  get draining(): boolean {
    return this.cause !== undefined;
  }

  drain(cause: DrainCause): void {
    if (this.cause === 'shutdown') return;
    if (this.cause === undefined) this.since = Date.now();
    this.cause = cause;
    this.logger.info('node draining', { cause });
  }

  /** Back to serving; a shutdown drain cannot be undone. */
  resume(): boolean {
    if (this.cause !== 'operator') return this.cause === undefined;
    this.cause = undefined;
    this.logger.info('node serving again');
    return true;
  }

  view(): { state: 'serving' | 'draining'; cause?: DrainCause; drainingForMs?: number } {
    if (this.cause === undefined) return { state: 'serving' };
    return { state: 'draining', cause: this.cause, drainingForMs: Date.now() - this.since };
  }
}

/** The node's control client, refusing to route new sessions while the node drains. */
export function drainingControl(control: ControlClient, drain: NodeDrain): ControlClient {
  return {
    ...control,
    route: (request) => (drain.draining ? Promise.reject(new DrainingError()) : control.route(request)),
  };
}

/**
 * The other processes of this node (a cluster's workers, process/cluster-primary.ts), whose
 * sessions and drain state the node's API covers. Each call gives up on a peer after a timeout and
 * names the peers that did not answer rather than waiting for them.
 */
export interface NodePeers {
  sessions(): Promise<{ sessions: SessionView[]; unanswered: number[] }>;
  counts(): Promise<{ counts: SessionCounts[]; unanswered: number[] }>;
  /** Closes the session on the peer that owns it: false when none has it, undefined when that peer did not answer. */
  kick(id: string): Promise<boolean | undefined>;
  /** Puts every peer in this drain state; answers the peers that did not confirm it. */
  drain(draining: boolean): Promise<number[]>;
}

export interface NodeAdminOptions {
  nodeId: string;
  drain: NodeDrain;
  /** Set once the data plane listens. */
  dataPlane: () => ListenerPlane | undefined;
  /** A cluster's workers. */
  peers?: NodePeers;
  controlToken?: string;
  logger: Logger;
  /** All-in-one: the control plane's system app answers everything else (and /metrics). */
  next?: (request: Request, env: unknown) => Response | Promise<Response>;
}

function sumCounts(all: SessionCounts[]): SessionCounts {
  const sum: SessionCounts = { rtmp: 0, http: 0, rtsp: 0, webrtc: 0, srt: 0 };
  for (const counts of all) for (const key of Object.keys(sum) as Array<keyof SessionCounts>) sum[key] += counts[key];
  return sum;
}

export function createNodeAdminApp(options: NodeAdminOptions): Hono {
  const { drain, peers } = options;
  const app = new Hono();
  const plane = () => {
    const dp = options.dataPlane();
    if (!dp) throw new UnavailableError('the data plane is starting');
    return dp;
  };
  /** In a cluster, the workers that did not answer (their sessions are missing from the answer). */
  const unansweredField = (unanswered: number[] | undefined) => (peers ? { unansweredWorkers: unanswered ?? [] } : {});
  // A load balancer's check: no token, and nothing in it but the state.
  app.get('/api/v1/health', (c) =>
    c.json({ code: drain.draining ? 503 : 0, ...drain.view() }, drain.draining ? 503 : 200),
  );
  const guarded = requireToken(options.controlToken);
  for (const path of ['/api/v1/node', '/api/v1/node/*', '/api/v1/sessions', '/api/v1/sessions/*'])
    app.use(path, guarded);
  app.get('/api/v1/node', async (c) => {
    const local = countSessions(plane());
    const remote = await peers?.counts();
    const sessions = sumCounts([local, ...(remote?.counts ?? [])]);
    return c.json({
      code: 0,
      data: { id: options.nodeId, ...drain.view(), sessions, ...unansweredField(remote?.unanswered) },
    });
  });
  app.post('/api/v1/node/drain', async (c) => {
    drain.drain('operator');
    // Answered once every worker refuses new sessions, so none is routed after this returns.
    const unanswered = await peers?.drain(true);
    return c.json({ code: 0, data: { ...drain.view(), ...unansweredField(unanswered) } });
  });
  app.delete('/api/v1/node/drain', async (c) => {
    if (!drain.resume()) throw new UnavailableError('the node is shutting down');
    const unanswered = await peers?.drain(false);
    return c.json({ code: 0, data: { ...drain.view(), ...unansweredField(unanswered) } });
  });
  app.get('/api/v1/sessions', async (c) => {
    const local = listSessions(plane(), Date.now());
    const remote = await peers?.sessions();
    const sessions = remote ? [...local, ...remote.sessions] : local;
    return c.json({ code: 0, data: { node: options.nodeId, sessions, ...unansweredField(remote?.unanswered) } });
  });
  app.delete('/api/v1/sessions/:id', async (c) => {
    const id = c.req.param('id');
    const closed = kickSession(plane(), id) || (peers ? await peers.kick(id) : false);
    if (closed === undefined) throw new UnavailableError(`the worker owning session ${id} did not answer`);
    if (!closed) throw new NotFoundError(`no session ${id} on this node`);
    return c.json({ code: 0, data: { id, closed: true } });
  });
  const next = options.next;
  if (next) {
    app.all('*', (c) => next(c.req.raw, c.env));
  } else {
    app.get('/metrics', guarded, async (c) =>
      c.body(await defaultRegistry.render(), 200, { 'content-type': EXPOSITION_CONTENT_TYPE }),
    );
  }
  answerErrorsAsJson(app, options.logger);
  return app;
}
