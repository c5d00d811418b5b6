import { describe, expect, it } from 'vitest';
import { echoForms } from './echo-forms.js';
import { planResponse } from './response-plan.js';

const plan = (rawHeaders: string[], value = 'sk-plan-value-0123') =>
  planResponse({ method: 'GET', status: 200, statusMessage: 'OK', rawHeaders, injected: echoForms([value]) });

const names = (headers: readonly string[]): string[] => headers.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());

describe('planResponse keeps a scanned body’s length where it can', () => {
  it('keeps the Content-Length of a scanned identity body (echoes are overwritten at equal length)', () => {
    const p = plan(['Content-Type', 'application/octet-stream', 'Content-Length', '1234']);
    expect(p.scanner).not.toBeNull();
    expect(p.decoder).toBeNull();
    expect(p.headers).toEqual(['Content-Type', 'application/octet-stream', 'Content-Length', '1234']);
  });

  it('drops Content-Length and Content-Encoding of a body it decodes', () => {
    const p = plan(['Content-Encoding', 'gzip', 'Content-Length', '99']);
    expect(p.decoder).not.toBeNull();
    expect(names(p.headers)).not.toContain('content-length');
    expect(names(p.headers)).not.toContain('content-encoding');
  });

  it('drops a Content-Length beside Transfer-Encoding', () => {
    expect(names(plan(['Transfer-Encoding', 'chunked', 'Content-Length', '5']).headers)).not.toContain('content-length');
  });

  it('drops a Content-Length the head redaction changed (a value of digits)', () => {
    const p = plan(['Content-Length', '912345678'], '12345678');
    expect(p.echoed).toBe(true);
    expect(names(p.headers)).not.toContain('content-length');
  });
});
