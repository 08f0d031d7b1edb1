// A node's own operator surface on PROXY_SYSTEM_API: health for load balancers, drain/cordon,
// its sessions (list and kick), and, in split mode, its own /metrics. All-in-one, requests it does
// not answer go on to the control plane's system app on the same port. Everything but the health
// check needs PROXY_CONTROL_TOKEN when one is set.

import { Hono } from 'hono';
import { requireToken } from '../control/auth.ts';
import { answerErrorsAsJson } from '../control/errors.ts';
import type { ControlClient } from '../dataplane/control-client.ts';
import type { ListenerPlane } from '../dataplane/dataplane.ts';
import { kickSession, listSessions } from '../dataplane/session-list.ts';
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

export interface NodeAdminOptions {
  nodeId: string;
  drain: NodeDrain;
  /** Set once the data plane listens. */
  dataPlane: () => ListenerPlane | undefined;
  controlToken?: string;
  logger: Logger;
  /** All-in-one: the control plane's system app answers everything else (and /metrics). */
  next?: (request: Request, env: unknown) => Response | Promise<Response>;
}

export function createNodeAdminApp(options: NodeAdminOptions): Hono {
  const { drain } = options;
  const app = new Hono();
  const plane = () => {
    const dp = options.dataPlane();
    if (!dp) throw new UnavailableError('the data plane is starting');
    return dp;
  };
  // A load balancer's check: no token, and nothing in it but the state.
  app.get('/api/v1/health', (c) =>
    c.json({ code: drain.draining ? 503 : 0, ...drain.view() }, drain.draining ? 503 : 200),
  );
  const guarded = requireToken(options.controlToken);
  for (const path of ['/api/v1/node', '/api/v1/node/*', '/api/v1/sessions', '/api/v1/sessions/*'])
    app.use(path, guarded);
  app.get('/api/v1/node', (c) => {
    const dp = plane();
    const sessions = {
      rtmp: dp.rtmp?.sessions.size ?? 0,
      http: dp.http?.activeStreams() ?? 0,
      webrtc: dp.webrtc?.sessionCount ?? 0,
      srt: dp.srt?.sessionCount ?? 0,
    };
    return c.json({ code: 0, data: { id: options.nodeId, ...drain.view(), sessions } });
  });
  app.post('/api/v1/node/drain', (c) => {
    drain.drain('operator');
    return c.json({ code: 0, data: drain.view() });
  });
  app.delete('/api/v1/node/drain', (c) => {
    if (!drain.resume()) throw new UnavailableError('the node is shutting down');
    return c.json({ code: 0, data: drain.view() });
  });
  app.get('/api/v1/sessions', (c) => {
    const sessions = listSessions(plane(), Date.now());
    return c.json({ code: 0, data: { node: options.nodeId, sessions } });
  });
  app.delete('/api/v1/sessions/:id', (c) => {
    const id = c.req.param('id');
    if (!kickSession(plane(), id)) throw new NotFoundError(`no session ${id} on this node`);
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
