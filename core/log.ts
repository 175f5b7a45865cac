import { EventEmitter } from 'node:events';
import pino, { type Logger } from 'pino';

export interface LogRecord {
  level: number;
  time: number;
  msg: string;
  [k: string]: unknown;
}

/** A bounded in-memory tail of log records, for the panel's Logs view and the `log` event. */
export class LogTail extends EventEmitter<{ record: [LogRecord] }> {
  private readonly records: LogRecord[] = [];
  constructor(private readonly max = 1000) {
    super();
  }

  add(r: LogRecord): void {
    this.records.push(r);
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max);
    this.emit('record', r);
  }

  list(limit = 200): LogRecord[] {
    return this.records.slice(-limit);
  }
}

/** One structured logger for the whole studio: pino to stdout (or silent) plus the in-memory tail. */
export function createLogger(level: string, tail: LogTail, toStdout: boolean): Logger {
  const tailStream = {
    write(line: string): void {
      try {
        tail.add(JSON.parse(line) as LogRecord);
      } catch {}
    },
  };
  const streams: pino.StreamEntry[] = [{ level: 'debug', stream: tailStream }];
  if (toStdout) streams.push({ level: level === 'silent' ? 'fatal' : (level as pino.Level), stream: process.stdout });
  const base = level === 'silent' ? 'info' : level;
  return pino({ level: base, base: undefined }, pino.multistream(streams));
}
