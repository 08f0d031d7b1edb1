// Serves the control app on Node: the system API port (registration, routing, operator API) and
// the HTTP API port (versions, WHIP/WHEP). Owns those listeners and closes them.

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
  fetch: (req: Request) => Response | Promise<Response>,
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

/** Serves the app on every address, or on none: a failed bind closes the ones already open. */
export async function serveControlApp(app: Hono<ControlEnv>, addresses: ListenAddress[]): Promise<RunningServer[]> {
  const fetch = (req: Request) => app.fetch(req);
  const results = await Promise.allSettled(addresses.map((address) => listenHttp(fetch, address)));
  const servers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => s.close()));
    throw failed.reason;
  }
  return servers;
}
