// Process entry: config, the node, signals. SIGTERM/SIGINT stop accepting and let sessions
// finish for PROXY_GRACE_QUIT_TIMEOUT; PROXY_FORCE_QUIT_TIMEOUT ends the process regardless.

import { parseConfig } from '../shared/config.ts';
import { ConfigError } from '../shared/errors.ts';
import { createLogger } from '../shared/log.ts';
import { environmentWithDotEnv } from './env-file.ts';
import { startNode } from './node.ts';

async function main(): Promise<void> {
  const config = parseConfig(environmentWithDotEnv());
  const logger = createLogger(config.logLevel, { node: 'switchyard' });
  const node = await startNode(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal, graceMs: config.graceQuitMs, forceMs: config.forceQuitMs });
    setTimeout(() => {
      logger.error('force quit timeout reached');
      process.exit(1);
    }, config.forceQuitMs).unref();
    node.shutdown().then(
      () => process.exit(0),
      (err) => {
        logger.error('shutdown failed', { err: String(err) });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `config error: ${err.message}` : err);
  process.exit(1);
});
