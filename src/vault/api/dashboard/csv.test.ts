import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv.js';

describe('csvCell', () => {
  it('quotes every cell and doubles inner quotes', () => {
    expect(csvCell('say "hi", ok')).toBe('"say ""hi"", ok"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
  });

  it.each(['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '|calc', '%0A'])(
    'neutralises the formula prefix of %j',
    (cell) => {
      expect(csvCell(cell).startsWith(`"'`)).toBe(true);
    },
  );

  it('keeps numbers as they are (a negative number is data, not a formula)', () => {
    expect(csvCell(-5)).toBe('"-5"');
    expect(csvCell(200)).toBe('"200"');
  });

  it('writes null as an empty cell', () => {
    expect(csvCell(null)).toBe('""');
  });
});

describe('toCsv', () => {
  it('joins rows with CRLF', () => {
    expect(toCsv([['a', 1], ['=b', null]])).toBe('"a","1"\r\n"\'=b",""\r\n');
  });
});
