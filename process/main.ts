// The all-in-one entry (`npm start`, dist/switchyard.mjs): config, the node, signals.
// SIGTERM/SIGINT stop accepting and let sessions finish for PROXY_GRACE_QUIT_TIMEOUT;
// PROXY_FORCE_QUIT_TIMEOUT ends the process regardless.

import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { runClusterPrimary } from './cluster-primary.ts';
import { runClusterWorker } from './cluster-worker.ts';
import { environmentWithDotEnv } from './env-file.ts';
import { runEntry, stopOnSignals } from './lifecycle.ts';
import { startNode } from './node.ts';

/** True in dist/switchyard.mjs (infra/build.mjs defines it); undeclared under tsx. */
declare const __SWITCHYARD_BUNDLE__: boolean | undefined;

runEntry(async () => {
  // The deployable bundle uses every core by default (a cluster: process/cluster-primary.ts);
  // `npm start` (sources under tsx, for development) stays one process unless PROXY_WORKERS says.
  const bundled = typeof __SWITCHYARD_BUNDLE__ !== 'undefined' && __SWITCHYARD_BUNDLE__;
  const config = parseConfig(environmentWithDotEnv(), { workers: bundled ? Math.min(availableParallelism(), 256) : 1 });
  const logger = createLogger(config.logLevel, { node: 'switchyard' });
  if (cluster.isWorker) return runClusterWorker(config, logger.child({ worker: cluster.worker?.id }));
  if (config.workers > 1) return runClusterPrimary(config, logger);
  const node = await startNode(config, logger);
  stopOnSignals(logger, config.forceQuitMs, () => node.shutdown());
});
