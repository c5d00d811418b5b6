import { describe, expect, it } from 'vitest';
import { Logger } from '../../common/logger.js';
import { Redactor } from '../../common/redact.js';
import { chooseTransport } from './gateway-server.js';
import { NativeTls } from './native-tls/native-tls.js';

function logger(lines: string[]): Logger {
  return new Logger({ level: 'debug', redactor: new Redactor(), sink: { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) } });
}

describe('chooseTransport', () => {
  it("uses Node's TLS when told to, and says nothing", () => {
    const lines: string[] = [];
    expect(chooseTransport('node', logger(lines))).toBeNull();
    expect(lines).toEqual([]);
  });

  it('gives the native transport for auto and native when it is built (npm run build builds it)', () => {
    const loaded = NativeTls.load();
    expect('error' in loaded ? loaded.error : null).toBeNull();
    expect(chooseTransport('auto', logger([]))).toBe(loaded);
    expect(chooseTransport('native', logger([]))).toBe(loaded);
  });

  it('falls back to Node with a warning when the addon cannot load, unless native was required', () => {
    const missing = () => ({ error: 'dist/native/tls_transport.node is missing (run: npm run build)' });
    const lines: string[] = [];
    expect(chooseTransport('auto', logger(lines), missing)).toBeNull();
    expect(lines.join('\n')).toContain('Native TLS transport unavailable');
    expect(lines.join('\n')).toContain('is missing');
    expect(() => chooseTransport('native', logger([]), missing)).toThrow(/not available.*is missing/);
  });
});
