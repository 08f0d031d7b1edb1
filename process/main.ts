// The all-in-one entry (`npm start`, dist/switchyard.mjs): config, the node, signals.
// SIGTERM/SIGINT stop accepting and let sessions finish for PROXY_GRACE_QUIT_TIMEOUT;
// PROXY_FORCE_QUIT_TIMEOUT ends the process regardless.

import { parseConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { environmentWithDotEnv } from './env-file.ts';
import { runEntry, stopOnSignals } from './lifecycle.ts';
import { startNode } from './node.ts';

runEntry(async () => {
  const config = parseConfig(environmentWithDotEnv());
  const logger = createLogger(config.logLevel, { node: 'switchyard' });
  const node = await startNode(config, logger);
  stopOnSignals(logger, config.forceQuitMs, () => node.shutdown());
});
