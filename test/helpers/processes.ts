// Child processes owned by a test: started with output captured, always killed afterwards.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { connect } from 'node:net';

export interface Child {
  proc: ChildProcess;
  /** The command line, for messages. */
  name: string;
  /** stdout and stderr interleaved (the last 100-200 kB). */
  output(): string;
  /** stderr alone (the last 100-200 kB). */
  stderr(): string;
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

function tailKeeper(): { add(chunk: Buffer): void; text(): string } {
  let text = '';
  return {
    add: (chunk) => {
      text += chunk.toString();
      if (text.length > 200_000) text = text.slice(-100_000);
    },
    text: () => text,
  };
}

export function startProcess(cmd: string, args: string[], options: SpawnOptions = {}): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const out = tailKeeper();
  const err = tailKeeper();
  proc.stdout?.on('data', out.add);
  proc.stderr?.on('data', (chunk: Buffer) => {
    out.add(chunk);
    err.add(chunk);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    name: [cmd, ...args].join(' ').slice(0, 200),
    output: out.text,
    stderr: err.text,
    exited,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits for `event`, but no longer than `ms`. */
async function settle(event: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise((r) => {
    timer = setTimeout(r, ms);
  });
  await Promise.race(event ? [event, elapsed] : [elapsed]);
  clearTimeout(timer);
}

function hasExited(child: Child): boolean {
  return child.proc.exitCode !== null || child.proc.signalCode !== null;
}

async function exitedBeforeReady(child: Child, what: string): Promise<Error> {
  // 'exit' can come before the last stderr bytes are read: let the pipe drain (briefly).
  const stderr = child.proc.stderr;
  if (stderr && !stderr.readableEnded) await settle(new Promise((r) => stderr.once('end', r)), 500);
  const status = child.proc.exitCode !== null ? `code ${child.proc.exitCode}` : `signal ${child.proc.signalCode}`;
  return new Error(
    `${child.name} exited with ${status} while waiting for ${what}; stderr:\n${child.stderr().slice(-4000)}`,
  );
}

/**
 * Polls `probe` until it yields a value. With `child`, gives up at once when that process exits
 * (a server that died will never become ready) and says why.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  child?: Child,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && hasExited(child)) throw await exitedBeforeReady(child, what);
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    await settle(child?.exited, 50);
  }
  if (child && hasExited(child)) throw await exitedBeforeReady(child, what);
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export function waitForTcp(port: number, timeoutMs = 10_000, child?: Child): Promise<true> {
  return waitFor(
    `tcp port ${port}`,
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      }),
    timeoutMs,
    child,
  );
}
