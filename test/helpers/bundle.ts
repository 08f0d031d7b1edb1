// The deployable bundles in dist/, built by the project's own build script. infra/run-tests.sh
// builds once before the test files run in parallel; a file run alone builds only when dist/ is
// missing or older than the sources, under a lock so that two files never rewrite dist/ at once.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUTPUTS = ['dist/switchyard.mjs', 'dist/worker.js'];
/** What the bundles are made of: a change to any of them makes dist/ stale. */
const SOURCES = ['control', 'dataplane', 'process', 'shared', 'infra/build.mjs', 'package-lock.json'];
const LOCK = join(ROOT, 'dist', '.build-lock');
/** A lock older than this was left by a killed build. */
const STALE_LOCK_MS = 120_000;

function newestMtime(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

function isFresh(): boolean {
  const sources = Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
  return OUTPUTS.every((out) => {
    const stat = statSync(join(ROOT, out), { throwIfNoEntry: false });
    return stat !== undefined && stat.size > 0 && stat.mtimeMs >= sources;
  });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withBuildLock(fn: () => void): void {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      const held = statSync(LOCK, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      else sleepSync(200);
    }
  }
  try {
    fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Absolute path of a bundle (`switchyard.mjs` or `worker.js`), built first if dist/ is stale. */
export function bundlePath(name: 'switchyard.mjs' | 'worker.js'): string {
  if (!isFresh()) {
    withBuildLock(() => {
      if (isFresh()) return; // another test file built it while this one waited
      execFileSync(process.execPath, ['infra/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
    });
  }
  return join(ROOT, 'dist', name);
}
