// The all-in-one entry (`npm start`, dist/switchyard.mjs): config, the node, signals.
// SIGTERM/SIGINT stop accepting and let sessions finish for PROXY_GRACE_QUIT_TIMEOUT;
// PROXY_FORCE_QUIT_TIMEOUT ends the process regardless.

import cluster from 'node:cluster';
import { parseConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { runClusterPrimary } from './cluster-primary.ts';
import { runClusterWorker } from './cluster-worker.ts';
import { environmentWithDotEnv } from './env-file.ts';
import { runEntry, stopOnSignals } from './lifecycle.ts';
import { startNode } from './node.ts';

runEntry(async () => {
  // One process unless PROXY_WORKERS asks for more: a cluster does not yet list or drain the
  // workers' sessions, and serves HLS slower than one process (docs/data-plane.md).
  const config = parseConfig(environmentWithDotEnv());
  const logger = createLogger(config.logLevel, { node: 'switchyard' });
  if (cluster.isWorker) return runClusterWorker(config, logger.child({ worker: cluster.worker?.id }));
  if (config.workers > 1) return runClusterPrimary(config, logger);
  const node = await startNode(config, logger);
  stopOnSignals(logger, config.forceQuitMs, () => node.shutdown());
});
