// Loads `.env` from the working directory beneath the real environment (real variables win).

import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Env } from '../shared/config.ts';

export function environmentWithDotEnv(path = '.env', env: Env = process.env): Env {
  if (!existsSync(path)) return { ...env };
  const fromFile = parseEnv(readFileSync(path, 'utf8')) as Env;
  return { ...fromFile, ...env };
}
