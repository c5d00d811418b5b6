import { describe, expect, it } from 'vitest';
import type { ApprovalGrant } from '../model/approvals.js';
import { grantCovers, MAX_COVERED_PATH, pathUnderPrefix } from './grant-match.js';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');
const grant: ApprovalGrant = {
  id: 'agr_1',
  agentId: 'agt_a',
  secretId: 'sec_1',
  method: 'POST',
  host: 'api.stripe.com',
  pathPrefix: '/v1/charges',
  approvalId: 'apr_1',
  createdAt: '2025-06-01T11:50:00.000Z',
  expiresAt: '2025-06-01T12:10:00.000Z',
};
const req = { agentId: 'agt_a', secretId: 'sec_1', method: 'post', host: 'API.Stripe.com', path: '/v1/charges/ch_1' };

describe('approval grants', () => {
  it('cover the same agent, secret, method and host under the path prefix until they expire', () => {
    expect(grantCovers(grant, req, NOW)).toBe(true);
    expect(grantCovers(grant, { ...req, path: '/v1/charges' }, NOW)).toBe(true);
    expect(grantCovers(grant, req, Date.parse(grant.expiresAt))).toBe(false);
    expect(grantCovers(grant, { ...req, agentId: 'agt_b' }, NOW)).toBe(false);
    expect(grantCovers(grant, { ...req, secretId: 'sec_2' }, NOW)).toBe(false);
    expect(grantCovers(grant, { ...req, secretId: null }, NOW)).toBe(false);
    expect(grantCovers(grant, { ...req, method: 'DELETE' }, NOW)).toBe(false);
    expect(grantCovers(grant, { ...req, host: 'api.stripe.com.evil.test' }, NOW)).toBe(false);
    expect(grantCovers(grant, { ...req, path: '/v1/refunds' }, NOW)).toBe(false);
  });

  it('match path prefixes by segment and refuse paths that could resolve elsewhere', () => {
    expect(pathUnderPrefix('/v1/charges', '/v1/chargesX')).toBe(false);
    expect(pathUnderPrefix('/v1/', '/v1/anything/deep')).toBe(true);
    expect(pathUnderPrefix('/', '/x')).toBe(true);
    for (const sneaky of ['/v1/charges/../admin', '/v1/charges/%2e%2e/admin', '/v1/charges/.%2E/admin', '/v1/charges/..;/admin', '/v1/charges%2f..%2fadmin', '/v1/charges\\..\\admin', '//v1/charges/x', '/v1/charges/x/%2e%2e/%2e%2e/admin']) {
      expect(pathUnderPrefix('/v1/charges', sneaky), sneaky).toBe(false);
    }
    expect(pathUnderPrefix('/v1/charges', '/v1/charges/file.v2..txt')).toBe(true);
    expect(pathUnderPrefix('/v1/charges', '/v1/charges/x/../y?next=/admin')).toBe(true);
  });

  it('judge the whole path, and never cover one past the limit', () => {
    const padding = 'a'.repeat(MAX_COVERED_PATH);
    expect(pathUnderPrefix('/v1/charges', `/v1/charges/${padding.slice(0, 1000)}`)).toBe(true);
    expect(pathUnderPrefix('/v1/charges', `/v1/charges/${padding}`)).toBe(false);
    const dots = `/v1/charges/${'a'.repeat(MAX_COVERED_PATH - 40)}/../../../admin`;
    expect(dots.length).toBeLessThanOrEqual(MAX_COVERED_PATH);
    expect(pathUnderPrefix('/v1/charges', dots)).toBe(false);
  });
});
