import { describe, expect, it } from 'vitest';
import { framingProblem } from './request-checks.js';

describe('framingProblem', () => {
  it('accepts ordinary requests', () => {
    expect(framingProblem(['Host', 'a', 'Transfer-Encoding', ' Chunked'], 1)).toBeNull();
    expect(framingProblem(['Host', 'a', 'Content-Length', '5'], 1)).toBeNull();
  });

  it.each([
    [['Host', 'a', 'Host', 'b'], 'more than one Host header'],
    [['Host', 'a', 'Transfer-Encoding', 'gzip', 'Transfer-Encoding', 'chunked'], 'Transfer-Encoding other than chunked'],
    [['Host', 'a', 'transfer-encoding', 'chunked', 'Transfer-Encoding', 'chunked'], 'more than one Transfer-Encoding header'],
  ])('refuses %j', (raw, why) => {
    expect(framingProblem(raw, 1)).toBe(why);
  });

  it('refuses HTTP/0.9', () => {
    expect(framingProblem([], 0)).toMatch(/0\.9/);
  });
});
