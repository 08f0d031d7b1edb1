// Serves the control apps on Node: the system surface on PROXY_SYSTEM_API (registration, routing,
// operator API) and the public one on PROXY_HTTP_API (versions, WHIP/WHEP). Owns those listeners.

import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { ControlEnv } from '../control/context.ts';
import type { ListenAddress } from '../shared/config.ts';

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export function listenHttp(
  fetch: (req: Request, env: unknown) => Response | Promise<Response>,
  address: ListenAddress,
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: address.port, hostname: address.host }, (info) => {
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            (server as Server).close(() => done());
            (server as Server).closeAllConnections?.();
          }),
      });
    }) as Server;
    server.once('error', reject);
  });
}

type ControlApp = Pick<Hono<ControlEnv>, 'fetch'> | Pick<Hono, 'fetch'>;

/** Serves each app on its address, or none: a failed bind closes the ones already open. */
export async function serveControlApps(apps: Array<[ControlApp, ListenAddress]>): Promise<RunningServer[]> {
  // The Node bindings (the request's socket) go through, so routes can see the client address.
  const results = await Promise.allSettled(
    apps.map(([app, address]) => listenHttp((req, env) => app.fetch(req, env), address)),
  );
  const servers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => s.close()));
    throw failed.reason;
  }
  return servers;
}
