import { describe, expect, it } from 'vitest';
import { formatTable } from './table-format.js';

describe('formatTable', () => {
  it('pads columns and marks a cell cut at the width with …', () => {
    const text = formatTable(['ID', 'REQUEST'], [['a1', 'POST api.test/v1/charges/ch_1'], ['a2', 'GET x']], 12);
    expect(text.split('\n')).toEqual(['ID  REQUEST', 'a1  POST api.te…', 'a2  GET x', '']);
  });
});
