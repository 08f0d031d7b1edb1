// Process entry: reads the config, starts the embedded control plane unless PROXY_CONTROL_URL
// names a remote one, starts the data-plane listeners, and handles signals.

import { startControlPlane } from '../control/embedded.ts';
import { serveControlApp } from '../control/node-server.ts';
import { parseConfig } from '../shared/config.ts';
import { ConfigError } from '../shared/errors.ts';
import { createLogger } from '../shared/log.ts';
import { environmentWithDotEnv } from './env-file.ts';

async function main(): Promise<void> {
  const config = parseConfig(environmentWithDotEnv());
  const logger = createLogger(config.logLevel, { node: 'switchyard' });
  const closers: Array<() => Promise<void>> = [];
  if (!config.controlUrl) {
    const control = await startControlPlane(config, logger);
    const servers = await serveControlApp(control.app, [config.systemApi, config.httpApi]);
    closers.push(async () => {
      await Promise.all(servers.map((s) => s.close()));
      await control.close();
    });
    logger.info('control plane listening', {
      systemApi: config.systemApi.port,
      httpApi: config.httpApi.port,
      store: config.loadBalancer,
    });
  }
  const stop = async (signal: string) => {
    logger.info('shutting down', { signal });
    for (const close of closers.reverse()) await close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `config error: ${err.message}` : err);
  process.exit(1);
});
