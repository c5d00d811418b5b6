import { describe, expect, it } from 'vitest';
import { decodeCallbackData, encodeCallbackData, MAX_APPROVAL_ID_BYTES, MAX_CALLBACK_DATA_BYTES } from './callback-data.js';

describe('callback data', () => {
  it('round-trips both buttons of a real-shaped id', () => {
    const id = 'apr_0123456789abcdef01234567';
    expect(encodeCallbackData('approve', id)).toBe(`a:${id}`);
    expect(encodeCallbackData('deny', id)).toBe(`r:${id}`);
    expect(decodeCallbackData(`a:${id}`)).toEqual({ decision: 'approve', approvalId: id });
    expect(decodeCallbackData(`r:${id}`)).toEqual({ decision: 'deny', approvalId: id });
    // "Allow always" on a new host (egress mode ask).
    expect(encodeCallbackData('always', id)).toBe(`A:${id}`);
    expect(decodeCallbackData(`A:${id}`)).toEqual({ decision: 'always', approvalId: id });
  });

  it('fits the longest id in exactly 64 bytes and refuses one byte more', () => {
    const longest = 'x'.repeat(MAX_APPROVAL_ID_BYTES);
    const data = encodeCallbackData('approve', longest);
    expect(data && Buffer.byteLength(data)).toBe(MAX_CALLBACK_DATA_BYTES);
    expect(encodeCallbackData('deny', `${longest}y`)).toBeNull();
    // multi-byte characters count by bytes, as Telegram counts them
    expect(encodeCallbackData('approve', 'é'.repeat(32))).toBeNull();
    expect(encodeCallbackData('approve', '')).toBeNull();
  });

  it('ignores data this channel did not send', () => {
    for (const data of [undefined, '', 'a:', 'A:', 'R:apr_1', 'x:apr_1', 'approve:apr_1', `a:${'z'.repeat(63)}`]) {
      expect(decodeCallbackData(data)).toBeNull();
    }
  });
});
