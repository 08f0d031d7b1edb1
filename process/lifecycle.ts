// What both process entries share: start-up errors printed as one line, and SIGTERM/SIGINT
// running a graceful stop with a forced exit behind it.

import { ConfigError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';

/** Runs the entry; a start-up failure prints one line (config) or the error, and exits 1. */
export function runEntry(main: () => Promise<void>): void {
  main().catch((err) => {
    console.error(err instanceof ConfigError ? `config error: ${err.message}` : err);
    process.exit(1);
  });
}

/** On the first SIGTERM/SIGINT: stop(), then exit; forceMs later the process exits regardless. */
export function stopOnSignals(logger: Logger, forceMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal, forceMs });
    setTimeout(() => {
      logger.error('force quit timeout reached');
      process.exit(1);
    }, forceMs).unref();
    stop().then(
      () => {
        logger.info('stopped', { signal });
        process.exit(0);
      },
      (err) => {
        logger.error('shutdown failed', { err: String(err) });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
