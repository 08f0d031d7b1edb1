// Structured JSON logs: a constant message plus fields; child loggers add per-session fields.
// A logger is one small object (its fields and shared settings) with methods on the prototype:
// every session keeps one or more, so no closures per logger.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

interface LogSink {
  threshold: number;
  write: (line: string) => void;
}

class JsonLogger implements Logger {
  constructor(
    private readonly sink: LogSink,
    private readonly base: LogFields,
  ) {}

  debug(msg: string, fields?: LogFields): void {
    this.emit('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.emit('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.emit('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.emit('error', msg, fields);
  }

  child(fields: LogFields): Logger {
    return new JsonLogger(this.sink, { ...this.base, ...fields });
  }

  private emit(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (ORDER[level] < this.sink.threshold) return;
    this.sink.write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...this.base, ...fields }));
  }
}

export function createLogger(
  level: LogLevel = 'info',
  base: LogFields = {},
  write: (line: string) => void = (line) => console.log(line),
): Logger {
  return new JsonLogger({ threshold: ORDER[level], write }, base);
}

export function isLogLevel(value: string): value is LogLevel {
  return value in ORDER;
}
