// Serves the control apps on Node: the system surface on PROXY_SYSTEM_API (registration, routing,
// operator API) and the public one on PROXY_HTTP_API (versions, WHIP/WHEP, HLS). Owns those
// listeners. A request a direct node:http handler takes (the HLS fast path) skips the app.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { ControlEnv } from '../control/context.ts';
import type { ListenAddress } from '../shared/config.ts';
import type { NodeRequestHandler } from './hls-fast-path.ts';

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export function listenHttp(
  fetch: (req: Request, env: unknown) => Response | Promise<Response>,
  address: ListenAddress,
  direct?: NodeRequestHandler,
): Promise<RunningServer> {
  // As @hono/node-server's serve(): a request without Host is taken as addressed to the listener.
  const listener = getRequestListener(fetch, { hostname: address.host });
  const server = createServer(direct ? (req, res) => direct(req, res) || void listener(req, res) : listener);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

type ControlApp = Pick<Hono<ControlEnv>, 'fetch'> | Pick<Hono, 'fetch'>;

/** Serves each app on its address, or none: a failed bind closes the ones already open. */
export async function serveControlApps(
  apps: Array<[ControlApp, ListenAddress, NodeRequestHandler?]>,
): Promise<RunningServer[]> {
  // The Node bindings (the request's socket) go through, so routes can see the client address.
  const results = await Promise.allSettled(
    apps.map(([app, address, direct]) => listenHttp((req, env) => app.fetch(req, env), address, direct)),
  );
  const servers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => s.close()));
    throw failed.reason;
  }
  return servers;
}
