import { describe, expect, it } from 'vitest';
import { headerLines, unseenBodyNote } from './body-note.js';

describe('unseenBodyNote', () => {
  it('says nothing when the whole body was shown, and how much goes unseen otherwise', () => {
    expect(unseenBodyNote({ bodySeen: 12, bodyUnseen: 0 })).toBeNull();
    expect(unseenBodyNote({ bodySeen: 65_536, bodyUnseen: 1234 })).toBe(
      '⚠ Only the first 65,536 bytes of the body are shown; 1,234 more bytes are sent unseen.',
    );
    expect(unseenBodyNote({ bodySeen: 65_536, bodyUnseen: null })).toContain('length unknown');
  });
});

describe('headerLines', () => {
  it('lists headers as name: value', () => {
    expect(headerLines({ 'content-type': 'application/json', accept: '*/*' })).toEqual(['content-type: application/json', 'accept: */*']);
  });
});
