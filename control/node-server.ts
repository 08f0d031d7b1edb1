// Serves the control app on Node: the system API port (registration, routing, versions) and the
// HTTP API port (versions now; WHIP/WHEP later). Owns those listeners and closes them.

import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { ListenAddress } from '../shared/config.ts';
import type { ControlEnv } from './context.ts';

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

export async function serveControlApp(app: Hono<ControlEnv>, addresses: ListenAddress[]): Promise<RunningServer[]> {
  const fetch = (req: Request) => app.fetch(req);
  return Promise.all(addresses.map((address) => listenHttp(fetch, address)));
}
