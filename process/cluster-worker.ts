// One worker of a cluster (PROXY_WORKERS > 1): the RTMP, RTSP and HTTP stream listeners, whose
// ports node:cluster shares between the workers. The control plane stays one instance in the
// primary: a worker asks it over the primary's system API on loopback (the split-mode control
// client, with PROXY_CONTROL_TOKEN), serves HLS itself (process/worker-hls.ts) and passes other
// requests that are not live streams to the primary's public API, stamped with the player's
// address (process/cluster-hop.ts). In split
// mode (PROXY_CONTROL_URL) a worker asks the remote control plane itself, as one process would.
// It answers the primary's questions over IPC: metrics, sessions, kick, drain.

import cluster from 'node:cluster';
import { type ControlClient, createControlClient, remoteControlClient } from '../dataplane/control-client.ts';
import type { ListenerPlane } from '../dataplane/dataplane.ts';
import { tagSessionIdsWithWorker } from '../dataplane/session-id.ts';
import { countSessions, kickSession, listSessions } from '../dataplane/session-list.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { defaultRegistry } from '../shared/metrics.ts';
import { ClusterHop } from './cluster-hop.ts';
import {
  type Answers,
  HOP_SECRET_ENV,
  isClusterMessage,
  loopbackUrl,
  type Question,
  type ToPrimary,
  type ToWorker,
} from './cluster-ipc.ts';
import { stopOnSignals } from './lifecycle.ts';
import { drainDataPlane, remoteHttpHandler, startNodeDataPlane } from './node.ts';
import { NodeDrain } from './node-admin.ts';
import { keepAliveOriginFetch } from './origin-fetch.ts';
import { workerHlsFastPath } from './worker-hls.ts';

type HttpHandler = ReturnType<typeof remoteHttpHandler>;

const send = (message: ToPrimary) => process.send?.(message);

/** The control plane this worker asks, and where its HTTP port sends what is not a live stream. */
function controlOf(
  config: Readonly<Config>,
  logger: Logger,
): { control: ControlClient; httpNext: HttpHandler; local: boolean } {
  const hop = new ClusterHop(process.env[HOP_SECRET_ENV]);
  delete process.env[HOP_SECRET_ENV];
  if (config.controlUrl) {
    const control = remoteControlClient(config.controlUrl, config.controlToken);
    return { control, httpNext: remoteHttpHandler(config, control, logger), local: false };
  }
  // The worker's own calls: the primary lets them through like an in-process client's.
  const control = createControlClient({
    fetch: (req) => {
      hop.stamp(req.headers, undefined);
      return fetch(req);
    },
    baseUrl: loopbackUrl(config.systemApi),
    token: config.controlToken,
  });
  // As in one process, the HTTP port falls back to the public app (not the node gateway nor HLS
  // on the node: those are split-mode features).
  const local = { ...config, nodePublicUrl: undefined, hlsOnNode: false };
  const httpNext = remoteHttpHandler(local, control, logger, { base: loopbackUrl(config.httpApi), hop });
  return { control, httpNext, local: true };
}

async function answer(question: Question, dataPlane: ListenerPlane, drain: NodeDrain): Promise<Answers[keyof Answers]> {
  switch (question.kind) {
    case 'metrics':
      return defaultRegistry.render().catch(() => '');
    case 'sessions':
      return listSessions(dataPlane, Date.now());
    case 'counts':
      return countSessions(dataPlane);
    case 'kick':
      return kickSession(dataPlane, question.session);
    case 'drain':
      if (!question.draining) return drain.resume();
      drain.drain('operator');
      return true;
  }
}

export async function runClusterWorker(config: Readonly<Config>, logger: Logger): Promise<void> {
  // Session ids name their worker: unique across the cluster, and a kick finds its owner.
  tagSessionIdsWithWorker(cluster.worker?.id ?? 0);
  const { control, httpNext, local } = controlOf(config, logger);
  const drain = new NodeDrain(logger.child({ plane: 'data' }));
  const listeners = { tcp: true, udp: false };
  // HLS is served in the worker, as the primary would (static files come first on the stream port).
  const origins = keepAliveOriginFetch();
  const httpDirect = local && !config.staticFiles ? workerHlsFastPath(config, control, logger, origins.get) : undefined;
  const { dataPlane, stopMetrics } = await startNodeDataPlane(config, control, drain, logger, httpNext, {
    listeners,
    httpDirect,
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await drainDataPlane(dataPlane, drain, config.graceQuitMs, logger);
      stopMetrics();
      origins.close();
    })();
    return stopping;
  };
  process.on('message', (message: unknown) => {
    if (!isClusterMessage<ToWorker>(message)) return;
    if (message.sy === 'ask') {
      answer(message.question, dataPlane, drain).then(
        (result) => send({ sy: 'answer', id: message.id, answer: result }),
        (err) => logger.error('cluster question failed', { kind: message.question.kind, err: String(err) }),
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
