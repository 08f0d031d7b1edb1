// The control plane alone on Node (no data plane): for split deployments that do not use Workers.

import { parseConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { startControlPlane } from './control-plane.ts';
import { environmentWithDotEnv } from './env-file.ts';
import { warnIfSystemApiExposed } from './exposure-warning.ts';
import { serveControlApps } from './http-server.ts';
import { runEntry, stopOnSignals } from './lifecycle.ts';
import { describeListenError } from './listen-errors.ts';

runEntry(async () => {
  const config = parseConfig(environmentWithDotEnv());
  const logger = createLogger(config.logLevel, { node: 'control' });
  const control = await startControlPlane(config, logger);
  const servers = await serveControlApps([
    [control.system, config.systemApi],
    [control.public, config.httpApi, control.publicHls],
  ]).catch(async (err) => {
    await control.close();
    throw describeListenError(err, config);
  });
  warnIfSystemApiExposed(config, logger);
  logger.info('control plane listening', { systemApi: config.systemApi.port, httpApi: config.httpApi.port });
  stopOnSignals(logger, config.forceQuitMs, async () => {
    await Promise.all(servers.map((s) => s.close()));
    await control.close();
  });
});
