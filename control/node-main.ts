// Control plane alone on Node (no data plane): for split deployments that do not use Workers.

import { environmentWithDotEnv } from '../dataplane/env-file.ts';
import { parseConfig } from '../shared/config.ts';
import { ConfigError } from '../shared/errors.ts';
import { createLogger } from '../shared/log.ts';
import { startControlPlane } from './embedded.ts';
import { serveControlApp } from './node-server.ts';

async function main(): Promise<void> {
  const config = parseConfig(environmentWithDotEnv());
  const logger = createLogger(config.logLevel, { node: 'control' });
  const control = await startControlPlane(config, logger);
  const servers = await serveControlApp(control.app, [config.systemApi, config.httpApi]);
  logger.info('control plane listening', { systemApi: config.systemApi.port, httpApi: config.httpApi.port });
  const stop = async () => {
    await Promise.all(servers.map((s) => s.close()));
    await control.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `config error: ${err.message}` : err);
  process.exit(1);
});
