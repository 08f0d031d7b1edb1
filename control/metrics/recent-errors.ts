// The last control-plane failures, for the status page: a bounded ring filled from the one
// `request failed` log line per failed request (control/errors.ts), so nothing logs twice.
// Per process on Node; per isolate on Workers (each isolate keeps its own few).

import type { LogFields, Logger } from '../../shared/log.ts';

const KEPT = 50;
const FIELDS = ['status', 'error', 'detail', 'method', 'path', 'stream', 'backend'] as const;

export class RecentErrors {
  private readonly entries: Array<Record<string, unknown>> = [];

  add(level: string, fields: LogFields = {}): void {
    const entry: Record<string, unknown> = { at: new Date().toISOString(), level };
    for (const name of FIELDS) if (fields[name] !== undefined) entry[name] = fields[name];
    this.entries.push(entry);
    if (this.entries.length > KEPT) this.entries.shift();
  }

  /** Newest first. */
  list(): Array<Record<string, unknown>> {
    return [...this.entries].reverse();
  }
}

/** A logger that also keeps each warn/error `request failed` line in `recent`. */
export function recordingLogger(logger: Logger, recent: RecentErrors): Logger {
  return {
    ...logger,
    warn: (msg, fields) => {
      if (msg === 'request failed') recent.add('warn', fields);
      logger.warn(msg, fields);
    },
    error: (msg, fields) => {
      if (msg === 'request failed') recent.add('error', fields);
      logger.error(msg, fields);
    },
  };
}
