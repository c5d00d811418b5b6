import { describe, expect, it } from 'vitest';
import type { Approval } from '../vault/api/approval-schemas.js';
import { approvalDetail, approvalsTable, duration, grantsTable } from './approvals-format.js';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');
const approval: Approval = {
  id: 'apr_1',
  kind: 'request',
  agentId: 'agt_1',
  agentIdentifier: 'main',
  secretId: 'sec_1',
  secretName: 'Stripe',
  ruleId: 'rule_1',
  method: 'POST',
  host: 'api.stripe.com',
  path: '/v1/charges',
  headers: { 'content-type': 'application/json' },
  bodyPreview: '{"amount":5}\n{"more":1}',
  bodyDigest: 'a'.repeat(64),
  bodySeen: 0,
  bodyUnseen: 0,
  status: 'pending',
  reason: null,
  routedTo: 'host',
  decidedBy: null,
  createdAt: '2025-06-01T11:59:00.000Z',
  expiresAt: '2025-06-01T12:02:05.000Z',
  decidedAt: null,
};

describe('approval output for people', () => {
  it('formats durations', () => {
    expect([duration(-5), duration(4_400), duration(125_000), duration(2 * 3_600_000 + 60_000)]).toEqual(['0s', '4s', '2m 05s', '2h 01m']);
  });

  it('lists approvals with their request, status and time left', () => {
    const rejected = { ...approval, id: 'apr_2', status: 'rejected' as const, reason: 'not today', decidedBy: 'cli' };
    const lines = approvalsTable([approval, rejected], NOW).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+CREATED\s+AGENT\s+REQUEST\s+SECRET\s+STATUS\s+BY$/);
    expect(lines[1]).toContain('POST api.stripe.com/v1/charges');
    expect(lines[1]).toContain('pending, 2m 05s left');
    expect(lines[2]).toMatch(/rejected \(not today\)\s+cli$/);
  });

  it('shows one approval in full with its body preview indented', () => {
    const text = approvalDetail({ ...approval, status: 'approved', decidedAt: '2025-06-01T12:00:30.000Z', decidedBy: 'cli' }, NOW);
    expect(text).toContain('Request:  POST api.stripe.com/v1/charges');
    expect(text).toContain('Decided:  2025-06-01T12:00:30.000Z by cli');
    expect(text).toContain('    content-type: application/json');
    expect(text).toContain('    {"amount":5}\n    {"more":1}');
  });

  it('says how much of the body the approver does not see', () => {
    expect(approvalDetail(approval, NOW)).not.toContain('unseen');
    const text = approvalDetail({ ...approval, bodySeen: 65_536, bodyUnseen: 10 }, NOW);
    expect(text).toContain('  ⚠ Only the first 65,536 bytes of the body are shown; 10 more bytes are sent unseen.');
  });

  it('never lets agent-chosen text drive the terminal', () => {
    const text = approvalDetail({ ...approval, path: '/x\u001b[2J', bodyPreview: 'a\u001b]0;pwned\u0007b\tc\nd' }, NOW);
    expect(text).not.toMatch(/[\u001b\u0007]/);
    expect(text).toContain('/x\\x1b[2J');
    expect(text).toContain('a\\x1b]0;pwned\\x07b\tc\n    d');
  });

  it('lists grants with what they cover', () => {
    const text = grantsTable([{ id: 'agr_1', agentId: 'agt_1', secretId: null, method: 'POST', host: 'a.test', pathPrefix: '/v1/', approvalId: 'apr_1', createdAt: '', expiresAt: '2025-06-01T12:10:00.000Z' }], NOW);
    expect(text).toMatch(/agr_1\s+agt_1\s+POST a\.test\/v1\/\*\s+-\s+10m 00s\s+apr_1/);
  });
});
