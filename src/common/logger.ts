import { Redactor } from './redact.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogContext = Record<string, string | number | boolean | null | undefined>;

/** Where log lines go: `out` takes debug and info lines, `err` warnings and worse. */
export interface LogSink {
  out(line: string): void;
  err(line: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  redactor?: Redactor;
  sink?: LogSink;
  context?: LogContext;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export function parseLogLevel(raw: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  const lower = raw?.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(lower ?? '') ? (lower as LogLevel) : fallback;
}

// Every line to stderr: stdout carries only a command's result, so `ncl … | jq` always parses.
const processSink: LogSink = {
  out: (line) => process.stderr.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

function formatValue(v: unknown): string {
  const s = String(v);
  return /[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s;
}

/**
 * Levelled key=value logger. Every line passes the redactor before it is written,
 * so a secret value the process knows can never be printed. The process's sink writes to stderr.
 */
export class Logger {
  readonly level: LogLevel;
  readonly redactor: Redactor;
  private readonly sink: LogSink;
  private readonly context: LogContext;

  constructor(options: LoggerOptions = {}) {
    this.level = options.level ?? 'info';
    this.redactor = options.redactor ?? new Redactor();
    this.sink = options.sink ?? processSink;
    this.context = options.context ?? {};
  }

  child(context: LogContext): Logger {
    return new Logger({
      level: this.level,
      redactor: this.redactor,
      sink: this.sink,
      context: { ...this.context, ...context },
    });
  }

  debug(msg: string, ctx?: LogContext): void {
    this.write('debug', msg, ctx);
  }
  info(msg: string, ctx?: LogContext): void {
    this.write('info', msg, ctx);
  }
  warn(msg: string, ctx?: LogContext): void {
    this.write('warn', msg, ctx);
  }
  error(msg: string, ctx?: LogContext): void {
    this.write('error', msg, ctx);
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level] && level !== 'silent';
  }

  private write(level: LogLevel, msg: string, ctx?: LogContext): void {
    if (!this.enabled(level)) return;
    const fields = { ...this.context, ...ctx };
    const pairs = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${formatValue(v)}`);
    const line = [new Date().toISOString(), level.toUpperCase().padEnd(5), msg, ...pairs].join(' ');
    const safe = this.redactor.redact(line);
    if (RANK[level] >= RANK.warn) this.sink.err(safe);
    else this.sink.out(safe);
  }
}

/** A sink that keeps lines in memory, for tests that grep everything that was logged. */
export function memorySink(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l) };
}
