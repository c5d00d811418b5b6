import { describe, expect, it } from 'vitest';
import { MASKED, TokenMask } from './token-mask.js';

const TOKEN = `sk-ant-oat01-${'Zz9_'.repeat(12)}`;

/** Feeds `text` in chunks of `size` and returns everything printed. */
function through(text: string, size: number): string {
  const mask = new TokenMask();
  let out = '';
  for (let i = 0; i < text.length; i += size) out += mask.push(text.slice(i, i + size));
  return out + mask.flush();
}

describe('TokenMask', () => {
  const text = `Visit https://claude.ai/oauth\r\nPaste code here > \r\nYour token:\r\n${TOKEN}\r\nDone.\r\n`;

  it('prints everything but the token, however the output is chunked', () => {
    const expected = text.replace(TOKEN, MASKED);
    for (const size of [1, 2, 3, 7, 16, 64, text.length]) expect(through(text, size)).toBe(expected);
  });

  it('lets a prompt without a newline through at once (the user must see it to answer)', () => {
    const mask = new TokenMask();
    expect(mask.push('Paste code here > ')).toBe('Paste code here > ');
    expect(mask.push('ok s')).toBe('ok ');
    expect(mask.push('o far')).toBe('so far');
  });

  it('masks a token at the very end of the output', () => {
    expect(through(`token: ${TOKEN}`, 5)).toBe(`token: ${MASKED}`);
  });
});
