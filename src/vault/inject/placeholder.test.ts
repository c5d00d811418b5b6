import { describe, expect, it } from 'vitest';
import { PLACEHOLDER } from '../../common/placeholder.js';
import { pick, seededRandom } from '../../../test/support/seeded-random.js';
import { carriesPlaceholder, withoutPlaceholders } from './placeholder.js';

const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;

describe('withoutPlaceholders', () => {
  it('takes out every field carrying the placeholder, also in a Basic pair, and keeps the rest', () => {
    const out = withoutPlaceholders({
      authorization: `Bearer ${PLACEHOLDER}`,
      'x-api-key': PLACEHOLDER,
      'private-token': PLACEHOLDER.toUpperCase(),
      'x-goog-api-key': [PLACEHOLDER, 'kept'],
      cookie: undefined,
      accept: 'application/json',
      'user-agent': 'git/2.39',
    });
    expect(out).toEqual({ 'x-goog-api-key': ['kept'], accept: 'application/json', 'user-agent': 'git/2.39' });
    expect(withoutPlaceholders({ authorization: basic(`x-access-token:${PLACEHOLDER}`) })).toEqual({});
    expect(withoutPlaceholders({ 'x-a': [PLACEHOLDER] })).toEqual({});
  });

  it('never touches routing and framing fields (the placeholder is a valid host label)', () => {
    const headers = { host: `${PLACEHOLDER}.test`, 'content-length': '0' };
    expect(withoutPlaceholders(headers)).toEqual(headers);
  });

  it('leaves no generated placeholder form behind and keeps every field without one', () => {
    const r = seededRandom(16);
    const forms = [PLACEHOLDER, `Bearer ${PLACEHOLDER}`, `token ${PLACEHOLDER}`, basic(`x-access-token:${PLACEHOLDER}`), basic(`${PLACEHOLDER}:x`), `basic  ${Buffer.from(`u:${PLACEHOLDER}`).toString('base64')}`];
    const plain = ['Bearer sk-real', basic('user:pass'), 'onecli_managed', 'text/plain', '', 'onecli-manage'];
    for (let i = 0; i < 2_000; i++) {
      const headers: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (let f = 0; f < 4; f++) {
        const name = `x-h${f}`;
        if (r() < 0.5) headers[name] = pick(r, forms);
        else expected[name] = headers[name] = pick(r, plain);
      }
      const out = withoutPlaceholders(headers);
      expect(out).toEqual(expected);
      for (const v of Object.values(out)) expect(carriesPlaceholder(v)).toBe(false);
    }
  });
});
