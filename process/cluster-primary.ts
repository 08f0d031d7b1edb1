// The primary of a cluster (PROXY_WORKERS > 1). It owns what must stay one instance per node:
// the control plane (one in-memory store, the system and public APIs) and the UDP listeners
// (WebRTC, SRT): their sessions are keyed by the client's address and port, and a UDP port shared
// by processes would hand a session's datagrams to whichever process the kernel picks. The
// workers (process/cluster-worker.ts) run the TCP listeners; node:cluster's round-robin hands
// each new RTMP/HTTP connection to the next worker.
//
// Start-up is all or nothing: a worker that exits before it is ready stops the node (exit 1).
// SIGTERM/SIGINT: every worker stops gracefully while the control plane still answers them, then
// the primary's own shutdown. A worker that dies later stops the node too, so that a supervisor
// (systemd, Docker) restarts it whole. /metrics adds up the workers' metrics (shared/metrics-merge.ts).

import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { defaultRegistry } from '../shared/metrics.ts';
import { randomSigningKey } from '../shared/signer.ts';
import { isClusterMessage, type ToPrimary, type ToWorker } from './cluster-ipc.ts';
import { stopOnSignals } from './lifecycle.ts';
import { startNode } from './node.ts';

/** How long /metrics waits for a worker's exposition. */
const METRICS_TIMEOUT_MS = 2_000;
/** How long a worker may take to listen. */
const READY_TIMEOUT_MS = 30_000;

class Workers {
  private readonly all = new Set<Worker>();
  private nextId = 0;
  private readonly pendingMetrics = new Map<number, (text: string) => void>();
  stopping = false;
  private stopped: Promise<void> | undefined;
  /** Called when a worker exits while the node is not stopping. */
  onLost: (worker: Worker, code: number | null) => void = () => {};

  fork(count: number, env: Record<string, string>): Promise<void> {
    const ready = Array.from({ length: count }, () => {
      const worker = cluster.fork(env);
      this.all.add(worker);
      worker.on('message', (message: unknown) => {
        if (isClusterMessage<ToPrimary>(message) && message.sy === 'metrics') {
          this.pendingMetrics.get(message.id)?.(message.text);
        }
      });
      worker.once('exit', (code) => {
        this.all.delete(worker);
        if (!this.stopping) this.onLost(worker, code);
      });
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker ${worker.id} did not start`)), READY_TIMEOUT_MS);
        worker.on('message', (message: unknown) => {
          if (isClusterMessage<ToPrimary>(message) && message.sy === 'ready') {
            clearTimeout(timer);
            resolve();
          }
        });
        worker.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`worker ${worker.id} exited with code ${code} while starting`));
        });
      });
    });
    return Promise.all(ready).then(() => {});
  }

  /** Each live worker's exposition; a worker that does not answer in time is left out. */
  metrics(): Promise<string[]> {
    return Promise.all(
      [...this.all].map(
        (worker) =>
          new Promise<string>((resolve) => {
            const id = ++this.nextId;
            const timer = setTimeout(() => done(''), METRICS_TIMEOUT_MS);
            const done = (text: string) => {
              clearTimeout(timer);
              this.pendingMetrics.delete(id);
              resolve(text);
            };
            this.pendingMetrics.set(id, done);
            if (!worker.isConnected()) return done('');
            worker.send({ sy: 'metrics', id } satisfies ToWorker);
          }),
      ),
    );
  }

  /** Asks every worker to stop gracefully; resolves once all have exited. */
  stop(): Promise<void> {
    this.stopping = true;
    this.stopped ??= this.stopAll();
    return this.stopped;
  }

  private stopAll(): Promise<void> {
    const exits = [...this.all].map((worker) => {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      if (worker.isConnected()) worker.send({ sy: 'shutdown' } satisfies ToWorker);
      return exited;
    });
    return Promise.all(exits).then(() => {});
  }

  kill(): void {
    this.stopping = true;
    for (const worker of this.all) worker.process.kill('SIGKILL');
  }
}

export async function runClusterPrimary(config: Readonly<Config>, logger: Logger): Promise<void> {
  // Every process signs and checks segment markers and WHIP/WHEP resource URLs with one key.
  const signingKey = config.signingKey ?? randomSigningKey();
  const workers = new Workers();
  const node = await startNode({ ...config, signingKey }, logger, {
    listeners: { tcp: false, udp: true },
    awaitPeers: () => workers.stop(),
  });
  try {
    await workers.fork(config.workers, { PROXY_SIGNING_KEY: signingKey });
  } catch (err) {
    workers.kill();
    await node.shutdown();
    throw err;
  }
  defaultRegistry.addSource(() => workers.metrics());
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
