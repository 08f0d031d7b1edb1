// What the HTTP stream port serves besides live streams: static files (PROXY_STATIC_FILES, e.g.
// players) and then whatever the control app answers (versions; HLS in all-in-one mode).

import { existsSync, statSync } from 'node:fs';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { ConfigError } from '../../shared/errors.ts';

export function checkStaticDir(dir: string | undefined): void {
  if (dir === undefined) return;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError(`PROXY_STATIC_FILES="${dir}" is not a directory`);
  }
}

export function createFallbackApp(options: {
  staticDir?: string;
  next: (request: Request, env: unknown) => Response | Promise<Response>;
}): Hono {
  const app = new Hono();
  if (options.staticDir) app.use('*', serveStatic({ root: options.staticDir }));
  app.all('*', (c) => options.next(c.req.raw, c.env));
  return app;
}
