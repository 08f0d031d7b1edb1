// The primary of a cluster (PROXY_WORKERS > 1). It owns what must stay one instance per node:
// the control plane (one in-memory store, the system and public APIs) and the UDP listeners
// (WebRTC, SRT): their sessions are keyed by the client's address and port, and a UDP port shared
// by processes would hand a session's datagrams to whichever process the kernel picks. The
// workers (process/cluster-worker.ts) run the TCP listeners; node:cluster's round-robin hands
// each new RTMP/HTTP/RTSP connection to the next worker.
//
// Start-up is all or nothing: a worker that exits before it is ready stops the node (exit 1).
// SIGTERM/SIGINT: every worker stops gracefully while the control plane still answers them, then
// the primary's own shutdown. A worker that dies later stops the node too, so that a supervisor
// (systemd, Docker) restarts it whole. /metrics adds up the workers' metrics (shared/metrics-merge.ts);
// the node's sessions list, kick and operator drain cover the workers' sessions (over IPC).

import { sessionIdWorker } from '../dataplane/session-id.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { defaultRegistry } from '../shared/metrics.ts';
import { randomSigningKey } from '../shared/signer.ts';
import { ClusterHop } from './cluster-hop.ts';
import { HOP_SECRET_ENV } from './cluster-ipc.ts';
import { Workers } from './cluster-workers.ts';
import { stopOnSignals } from './lifecycle.ts';
import { startNode } from './node.ts';
import type { NodePeers } from './node-admin.ts';

/** How long the primary waits for a worker's answer (metrics, sessions, kick, drain). */
const ASK_TIMEOUT_MS = 2_000;

/**
 * V8's young generation grows to tens of MB per worker under stream load (every chunk relayed is
 * short-lived); capped at 1 MB a worker's RSS grows ~35 KB per player instead of ~85 KB (measured
 * at 1000 players), at no CPU cost. An operator's own --max-semi-space-size wins.
 */
export function workerExecArgv(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = [...execArgv, nodeOptions].some((arg) => arg.includes('--max-semi-space-size'));
  return given ? [...execArgv] : [...execArgv, '--max-semi-space-size=1'];
}

function clusterPeers(workers: Workers): NodePeers {
  const unanswered = (answers: Array<{ worker: number; answer?: unknown }>) =>
    answers.filter((a) => a.answer === undefined).map((a) => a.worker);
  return {
    async sessions() {
      const answers = await workers.ask({ kind: 'sessions' }, ASK_TIMEOUT_MS);
      return { sessions: answers.flatMap((a) => a.answer ?? []), unanswered: unanswered(answers) };
    },
    async counts() {
      const answers = await workers.ask({ kind: 'counts' }, ASK_TIMEOUT_MS);
      return { counts: answers.flatMap((a) => (a.answer ? [a.answer] : [])), unanswered: unanswered(answers) };
    },
    async kick(id) {
      // The id names its worker; an id of no live worker is no session of this node.
      const owner = sessionIdWorker(id);
      if (owner === undefined) return false;
      const answers = await workers.ask({ kind: 'kick', session: id }, ASK_TIMEOUT_MS, owner);
      const [asked] = answers;
      return asked ? asked.answer : false;
    },
    async drain(draining) {
      const answers = await workers.ask({ kind: 'drain', draining }, ASK_TIMEOUT_MS);
      return answers.filter((a) => a.answer !== true).map((a) => a.worker);
    },
  };
}

export async function runClusterPrimary(config: Readonly<Config>, logger: Logger): Promise<void> {
  // Every process signs and checks segment markers and WHIP/WHEP resource URLs with one key.
  const signingKey = config.signingKey ?? randomSigningKey();
  const hop = new ClusterHop();
  const workers = new Workers();
  const node = await startNode({ ...config, signingKey }, logger, {
    listeners: { tcp: false, udp: true },
    awaitPeers: () => workers.stop(),
    peers: clusterPeers(workers),
    hop,
  });
  try {
    const execArgv = workerExecArgv(process.execArgv, process.env.NODE_OPTIONS);
    await workers.fork(config.workers, { PROXY_SIGNING_KEY: signingKey, [HOP_SECRET_ENV]: hop.secret }, execArgv);
    // An operator drain asked while the workers started.
    if (node.drain.draining) await workers.ask({ kind: 'drain', draining: true }, ASK_TIMEOUT_MS);
  } catch (err) {
    workers.kill();
    await node.shutdown();
    throw err;
  }
  defaultRegistry.addSource(async () =>
    (await workers.ask({ kind: 'metrics' }, ASK_TIMEOUT_MS)).map((a) => a.answer ?? ''),
  );
  logger.info('cluster listening', { workers: config.workers, rtmp: config.rtmp.port, http: config.httpServer.port });
  const shutdown = async () => {
    // Workers stop accepting now, in parallel with the primary's UDP listeners.
    const workersStopped = workers.stop();
    await node.shutdown();
    await workersStopped;
  };
  workers.onLost = (worker, code) => {
    logger.error('cluster worker exited, stopping the node', { worker: worker.id, code });
    shutdown().finally(() => process.exit(1));
  };
  stopOnSignals(logger, config.forceQuitMs, shutdown);
}
