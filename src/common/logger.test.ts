import { describe, expect, it } from 'vitest';
import { Logger, memorySink, parseLogLevel } from './logger.js';
import { Redactor } from './redact.js';

function capture(level: Parameters<typeof parseLogLevel>[0] = 'debug') {
  const out: string[] = [];
  const err: string[] = [];
  const logger = new Logger({
    level: parseLogLevel(level),
    sink: { out: (l) => out.push(l), err: (l) => err.push(l) },
  });
  return { logger, out, err };
}

describe('Logger', () => {
  it('filters by level and sends warnings and worse to stderr', () => {
    const { logger, out, err } = capture('info');
    logger.debug('hidden');
    logger.info('Starting thing…', { port: 10254 });
    logger.warn('careful');
    logger.error('broken', { reason: 'two words' });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/INFO +Starting thing… port=10254$/);
    expect(err).toHaveLength(2);
    expect(err[1]).toContain('reason="two words"');
  });

  it('reads LOG_LEVEL values and falls back on nonsense', () => {
    expect(parseLogLevel('WARN')).toBe('warn');
    expect(parseLogLevel('loud')).toBe('info');
    expect(parseLogLevel(undefined, 'error')).toBe('error');
  });

  it('passes every line, message and context, through redaction', () => {
    const sink = memorySink();
    const redactor = new Redactor();
    const logger = new Logger({ level: 'debug', sink, redactor }).child({ agent: 'main' });
    const value = 'hunter2-but-longer';
    redactor.add(value);
    logger.info(`value is ${value}`, { header: `Bearer ${value}`, b64: Buffer.from(value).toString('base64') });
    logger.debug('debug too', { v: value });
    expect(sink.lines.join('\n')).not.toContain(value);
    expect(sink.lines.join('\n')).not.toContain(Buffer.from(value).toString('base64'));
    expect(sink.lines[0]).toContain('agent=main');
  });
});
