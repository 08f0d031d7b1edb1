// The HTTP stream server (PROXY_HTTP_SERVER): live streams relayed natively (the hot path);
// everything else (static files, versions, later HLS) goes to a Hono app.

import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { ListenAddress } from '../../shared/config.ts';
import type { Logger } from '../../shared/log.ts';
import type { ControlClient } from '../control-client.ts';
import { nextSessionId } from '../session-id.ts';
import { isLiveStreamRequest } from './live-paths.ts';
import { CORS_HEADERS, relayLiveStream } from './stream-relay.ts';

export interface HttpStreamServer {
  port: number;
  /** Live streams being relayed now. */
  activeStreams(): number;
  stopAccepting(): Promise<void>;
  closeAll(): void;
}

export interface HttpStreamDeps {
  control: ControlClient;
  logger: Logger;
  /** Handles every request that is not a live stream. */
  fallback: (request: Request) => Response | Promise<Response>;
}

export function startHttpStreamServer(address: ListenAddress, deps: HttpStreamDeps): Promise<HttpStreamServer> {
  const fallback = getRequestListener(deps.fallback);
  let active = 0;
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (req.method === 'OPTIONS' && isLiveStreamRequest(pathname, query)) {
      res.writeHead(204, CORS_HEADERS);
      res.end();
      return;
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && isLiveStreamRequest(pathname, query)) {
      const log = deps.logger.child({ cid: nextSessionId('http'), client: req.socket.remoteAddress });
      active++;
      res.once('close', () => active--);
      relayLiveStream(req, res, deps.control, log).catch((err) => {
        log.error('http stream relay crashed', { err: String(err) });
        res.destroy();
      });
      return;
    }
    void fallback(req, res);
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const info = server.address();
      resolve({
        port: typeof info === 'object' && info ? info.port : address.port,
        activeStreams: () => active,
        stopAccepting: async () => {
          server.close();
          server.closeIdleConnections();
        },
        closeAll: () => server.closeAllConnections(),
      });
    });
  });
}
