// The primary's handle on its cluster's workers: forking them (start-up all or nothing), asking
// them questions over IPC with a timeout (metrics, sessions, kick, drain), and stopping them.

import cluster, { type Worker } from 'node:cluster';
import { type Answers, isClusterMessage, type Question, type ToPrimary, type ToWorker } from './cluster-ipc.ts';

/** How long a worker may take to listen. */
const READY_TIMEOUT_MS = 30_000;

/** One worker's answer; none when it did not answer in time (or is gone). */
export interface WorkerAnswer<T> {
  worker: number;
  answer?: T;
}

export class Workers {
  private readonly all = new Map<number, Worker>();
  private nextId = 0;
  private readonly pending = new Map<number, (answer: unknown) => void>();
  stopping = false;
  private stopped: Promise<void> | undefined;
  /** Called when a worker exits while the node is not stopping. */
  onLost: (worker: Worker, code: number | null) => void = () => {};

  /** Resolves once every worker is ready; rejects when one exits or takes too long. */
  fork(count: number, env: Record<string, string>, execArgv: string[]): Promise<void> {
    cluster.setupPrimary({ execArgv });
    const ready = Array.from({ length: count }, () => {
      const worker = cluster.fork(env);
      this.all.set(worker.id, worker);
      worker.on('message', (message: unknown) => {
        if (isClusterMessage<ToPrimary>(message) && message.sy === 'answer')
          this.pending.get(message.id)?.(message.answer);
      });
      worker.once('exit', (code) => {
        this.all.delete(worker.id);
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

  /** Asks every live worker (or only `only`); a worker that does not answer within `timeoutMs` has no answer. */
  ask<K extends Question['kind']>(
    question: Extract<Question, { kind: K }>,
    timeoutMs: number,
    only?: number,
  ): Promise<Array<WorkerAnswer<Answers[K]>>> {
    const asked = only === undefined ? [...this.all.values()] : [this.all.get(only)].filter((w) => w !== undefined);
    return Promise.all(
      asked.map(
        (worker) =>
          new Promise<WorkerAnswer<Answers[K]>>((resolve) => {
            const id = ++this.nextId;
            const done = (answer?: unknown) => {
              clearTimeout(timer);
              this.pending.delete(id);
              resolve({ worker: worker.id, answer: answer as Answers[K] | undefined });
            };
            const timer = setTimeout(done, timeoutMs);
            this.pending.set(id, done);
            if (!worker.isConnected()) return done();
            worker.send({ sy: 'ask', id, question } satisfies ToWorker);
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
    const exits = [...this.all.values()].map((worker) => {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      if (worker.isConnected()) worker.send({ sy: 'shutdown' } satisfies ToWorker);
      return exited;
    });
    return Promise.all(exits).then(() => {});
  }

  kill(): void {
    this.stopping = true;
    for (const worker of this.all.values()) worker.process.kill('SIGKILL');
  }
}
