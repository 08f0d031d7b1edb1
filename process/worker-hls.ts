// HLS on a cluster worker's HTTP stream port: the primary's fast path (process/hls-fast-path.ts),
// run in the worker, so playlists and segments use every core instead of being forwarded to the
// primary, which would serve them all on one. Only the lookups cross to the primary: which origin
// serves a stream, and where a marked segment's origin is (its control API on loopback), each
// answer kept briefly (cached-hls-resolver.ts). Markers verify in any process of the node: they all
// sign with one key (PROXY_SIGNING_KEY or the primary's). Requests counted here show in the node's
// /metrics, which adds the workers' series; failures are logged by the worker.

import { createControlApp } from '../control/app.ts';
import { newServerIdentity } from '../control/context.ts';
import { registerHlsService } from '../control/hls/hls-service.ts';
import { controlMetrics, requestKind } from '../control/metrics/control-metrics.ts';
import { MemoryStore } from '../control/store/memory-store.ts';
import type { ControlClient } from '../dataplane/control-client.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { cachedHlsResolver } from './cached-hls-resolver.ts';
import { hlsFastPath, type NodeRequestHandler } from './hls-fast-path.ts';
import type { OriginGet } from './origin-fetch.ts';
import { remoteHlsResolver } from './remote-hls-resolver.ts';
import { processSigner } from './signing-key.ts';

/** How long a worker reuses the primary's answer about a stream's origin. */
const WORKER_HLS_LOOKUP_TTL_MS = 1_000;

export function workerHlsFastPath(
  config: Readonly<Config>,
  control: ControlClient,
  logger: Logger,
  originGet: OriginGet,
): NodeRequestHandler | undefined {
  const signer = processSigner(config, logger);
  const metrics = controlMetrics();
  const service = {};
  registerHlsService(service, {
    resolver: cachedHlsResolver(remoteHlsResolver(control), WORKER_HLS_LOOKUP_TTL_MS),
    signer,
    countRequest: (path: string, status: number) =>
      metrics.requests.inc({ kind: requestKind(path), status: String(status) }),
    failureLogger: logger.child({ plane: 'control', proto: 'hls' }),
    privateReach: true,
  });
  // Built only for its route table: what the public app answers, the fast path leaves to it.
  const publicApp = createControlApp(
    {
      store: new MemoryStore({ aliveMs: config.backendTtlMs, streamTtlMs: config.streamTtlMs, rtcSessionTtlMs: 0 }),
      logger,
      identity: newServerIdentity(String(process.pid)),
      aliveMs: config.backendTtlMs,
      signer,
    },
    'public',
  );
  return hlsFastPath(service, originGet, publicApp);
}
