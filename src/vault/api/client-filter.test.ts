import { describe, expect, it } from 'vitest';
import { apiClientFilter } from './client-filter.js';

describe('apiClientFilter', () => {
  const allow = apiClientFilter(['172.18.0.1']);

  it('lets in loopback and the listed addresses, in either spelling', () => {
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '172.18.0.1', '::ffff:172.18.0.1']) expect(allow(a)).toBe(true);
  });

  it('closes the door on everyone else: agents on a shared network, other hosts, unknown sources', () => {
    for (const a of ['172.18.0.5', '172.19.0.2', '10.0.0.1', '::ffff:172.18.0.5', 'fe80::1', undefined, '']) expect(allow(a)).toBe(false);
  });
});
