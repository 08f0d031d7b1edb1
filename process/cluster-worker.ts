// One worker of a cluster (PROXY_WORKERS > 1): the RTMP and HTTP stream listeners, whose ports
// node:cluster shares between the workers. The control plane stays one instance in the primary:
// a worker asks it over the primary's system API on loopback (the split-mode control client,
// with PROXY_CONTROL_TOKEN), and passes requests that are not live streams to the primary's public
// API. Its metrics reach the primary's /metrics over IPC.

import cluster from 'node:cluster';
import { remoteControlClient } from '../dataplane/control-client.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { defaultRegistry } from '../shared/metrics.ts';
import { isClusterMessage, loopbackUrl, type ToPrimary, type ToWorker } from './cluster-ipc.ts';
import { stopOnSignals } from './lifecycle.ts';
import { drainDataPlane, remoteHttpHandler, startNodeDataPlane } from './node.ts';
import { NodeDrain } from './node-admin.ts';

const send = (message: ToPrimary) => process.send?.(message);

export async function runClusterWorker(config: Readonly<Config>, logger: Logger): Promise<void> {
  const control = remoteControlClient(loopbackUrl(config.systemApi), config.controlToken);
  // As in one process, the HTTP port falls back to the public app (not the node gateway nor HLS
  // on the node: those are split-mode features).
  const local = { ...config, nodePublicUrl: undefined, hlsOnNode: false };
  const httpNext = remoteHttpHandler(local, control, logger, loopbackUrl(config.httpApi));
  const drain = new NodeDrain(logger.child({ plane: 'data' }));
  const listeners = { tcp: true, udp: false };
  const { dataPlane, stopMetrics } = await startNodeDataPlane(config, control, drain, logger, httpNext, { listeners });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await drainDataPlane(dataPlane, drain, config.graceQuitMs, logger);
      stopMetrics();
    })();
    return stopping;
  };
  process.on('message', (message: unknown) => {
    if (!isClusterMessage<ToWorker>(message)) return;
    if (message.sy === 'metrics') {
      defaultRegistry.render().then(
        (text) => send({ sy: 'metrics', id: message.id, text }),
        () => send({ sy: 'metrics', id: message.id, text: '' }),
      );
    } else if (message.sy === 'shutdown') {
      stop().then(() => process.exit(0));
    }
  });
  // A signal to the whole process group (Ctrl-C, systemd) reaches workers too: same graceful stop.
  stopOnSignals(logger, config.forceQuitMs, stop);
  // Without its primary a worker has no control plane: it ends.
  cluster.worker?.on('disconnect', () => {
    if (!stopping) process.exit(1);
  });
  send({ sy: 'ready' });
}
