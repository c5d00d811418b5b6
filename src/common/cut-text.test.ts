import { describe, expect, it } from 'vitest';
import { cutMarker, cutText } from './cut-text.js';

describe('cutText', () => {
  it('leaves text that fits alone', () => {
    expect(cutText('hello', 5)).toBe('hello');
    expect(cutText('', 0)).toBe('');
  });

  it('marks a cut with the count of bytes left off, and stays within the limit', () => {
    const text = 'x'.repeat(5000);
    const cut = cutText(text, 100);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(100);
    const kept = cut.indexOf('…');
    expect(cut.slice(kept)).toBe(cutMarker(5000 - kept));
    expect(cut.slice(kept)).toMatch(/^… \(4,9\d\d more bytes\)$/);
  });

  it('never ends inside a character, and counts UTF-16 units when asked', () => {
    const text = '😀'.repeat(100); // 4 bytes, 2 units each
    const bytes = cutText(text, 60);
    expect(Buffer.byteLength(bytes)).toBeLessThanOrEqual(60);
    expect(bytes).not.toContain('\uFFFD');
    const units = cutText(text, 60, 'units');
    expect(units.length).toBeLessThanOrEqual(60);
    expect(/[\uD800-\uDBFF]…/.test(units)).toBe(false);
    const shown = units.slice(0, units.indexOf('…'));
    expect(units.endsWith(cutMarker(400 - Buffer.byteLength(shown)))).toBe(true);
  });
});
