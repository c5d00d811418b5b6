import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seededRandom } from '../../test/support/seeded-random.js';
import { stringMap } from './string-map.js';

// Names an object literal or z.record treats specially, beside ordinary ones.
const SPECIAL = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf'];

describe('stringMap', () => {
  it('keeps every own key of generated objects, __proto__ and constructor included, exactly once', () => {
    const r = seededRandom(1906);
    for (let i = 0; i < 200; i++) {
      const names = [...new Set(Array.from({ length: 1 + Math.floor(r() * 6) }, () => (r() < 0.5 ? SPECIAL[Math.floor(r() * SPECIAL.length)]! : `x-${Math.floor(r() * 1e6)}`)))];
      // Built from JSON text, as a request body or a stored row arrives: own properties, __proto__ too.
      const text = `{${names.map((n, j) => `${JSON.stringify(n)}:${JSON.stringify(`v${j}`)}`).join(',')}}`;
      const parsed = stringMap().parse(JSON.parse(text));
      expect(Object.keys(parsed)).toEqual(names);
      expect(JSON.parse(JSON.stringify(parsed))).toEqual(JSON.parse(text));
      expect(Object.getPrototypeOf(parsed)).toBeNull();
    }
  });

  it('is what z.record is not: z.record drops __proto__', () => {
    const input = JSON.parse('{"__proto__":"smuggled","a":"b"}') as unknown;
    expect(Object.keys(z.record(z.string(), z.string()).parse(input))).toEqual(['a']);
    expect(Object.keys(stringMap().parse(input))).toEqual(['__proto__', 'a']);
  });

  it('refuses a value that is not a string and a name the key schema refuses, at that name', () => {
    const r = stringMap(z.string().regex(/^[A-Z]+$/, 'upper case only')).safeParse({ GOOD: 'x', bad: 'y', N: 1 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['bad', 'upper case only'],
      ['N', 'must be a string'],
    ]);
    expect(stringMap().safeParse(['a']).success).toBe(false);
    expect(stringMap().safeParse(null).success).toBe(false);
  });
});
