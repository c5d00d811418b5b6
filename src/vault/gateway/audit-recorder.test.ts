import { describe, expect, it } from 'vitest';
import { pathForAudit } from './audit-recorder.js';

describe('pathForAudit', () => {
  it.each([
    ['/v1/messages', '/v1/messages'],
    ['/search?q=secret&page=2', '/search?q=&page='],
    ['/x?flag&key=v=w', '/x?flag&key='],
    ['/x?key=abc#frag', '/x?key='],
    ['/x?', '/x?'],
  ])('%s → %s', (path, expected) => {
    expect(pathForAudit(path)).toBe(expected);
  });

  it('cuts very long paths to 2,048 bytes and says how much was left off', () => {
    const cut = pathForAudit('/' + 'a'.repeat(5000));
    expect(cut.length).toBeLessThanOrEqual(2048);
    const kept = cut.indexOf('…');
    expect(cut.slice(kept)).toBe(`… (${(5001 - kept).toLocaleString('en-US')} more bytes)`);
    expect(pathForAudit('/short?x=1')).toBe('/short?x=');
  });
});
