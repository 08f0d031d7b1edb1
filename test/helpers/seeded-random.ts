// Reproducible randomness for tests: a seeded generator, and a per-run seed that a failure
// message can name so the same run can be repeated.
import { randomInt } from 'node:crypto';

/** A small LCG in [0, 1): plenty for picking sizes and splits, and the same on every machine. */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** TEST_SEED when set (to repeat a failed run), else a fresh seed. */
export function runSeed(): number {
  const fromEnv = Number(process.env.TEST_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : randomInt(1, 0x7fffffff);
}
