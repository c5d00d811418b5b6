import { describe, expect, it } from 'vitest';
import { setQueryParam } from './query-param.js';

describe('setQueryParam', () => {
  it('appends to a path without a query, and after existing parameters', () => {
    expect(setQueryParam('/v1/x', 'key', 'v')).toBe('/v1/x?key=v');
    expect(setQueryParam('/v1/x?', 'key', 'v')).toBe('/v1/x?key=v');
    expect(setQueryParam('/v1/x?a=1', 'key', 'v')).toBe('/v1/x?a=1&key=v');
  });

  it('replaces the first occurrence in place, also when the agent encoded the name, and drops duplicates', () => {
    expect(setQueryParam('/x?a=1&key=old&b=2', 'key', 'v')).toBe('/x?a=1&key=v&b=2');
    expect(setQueryParam('/x?k%65y=old&key&b', 'key', 'v')).toBe('/x?key=v&b');
    expect(setQueryParam('/x?my+key=1', 'my key', 'v')).toBe('/x?my%20key=v');
  });

  it('keeps other parameters byte for byte, including odd encodings, and a fragment', () => {
    expect(setQueryParam('/x?q=a+b%2fc&e=%E2%82%AC&bad=%zz#frag', 'key', 'v w')).toBe('/x?q=a+b%2fc&e=%E2%82%AC&bad=%zz&key=v%20w#frag');
    expect(setQueryParam('/x?keyx=1&xkey=2', 'key', 'v')).toBe('/x?keyx=1&xkey=2&key=v');
  });
});
