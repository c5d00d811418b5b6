import { describe, expect, it } from 'vitest';
import { takeEvents } from './sse.js';

describe('takeEvents', () => {
  it('returns complete events and keeps a partial one for the next chunk', () => {
    const first = takeEvents('id: 0\ndata: 100\n\nid: 1\ndata: 2');
    expect(first).toEqual({ data: ['100'], rest: 'id: 1\ndata: 2' });
    const second = takeEvents(`${first.rest}00\n\n`);
    expect(second).toEqual({ data: ['200'], rest: '' });
  });

  it('finds nothing in a chunk without a blank line', () => {
    expect(takeEvents('data: 1\n')).toEqual({ data: [], rest: 'data: 1\n' });
  });
});
