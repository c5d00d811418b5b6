import { describe, expect, it } from 'vitest';
import { ApprovalSchema } from './approvals.js';

describe('ApprovalSchema', () => {
  it('keeps every request header the approver is shown, __proto__ and constructor included (a host client reads cards through it)', () => {
    const card = {
      id: 'a1',
      agentId: 'ag',
      agentIdentifier: 'agent',
      secretId: null,
      secretName: null,
      ruleId: null,
      method: 'POST',
      host: 'api.example.com',
      path: '/x',
      headers: { 'content-type': 'application/json' },
      bodyPreview: '',
      bodyDigest: 'd',
      status: 'pending',
      reason: null,
      routedTo: null,
      decidedBy: null,
      createdAt: '2026-12-07T00:00:00.000Z',
      expiresAt: '2026-12-07T00:03:00.000Z',
      decidedAt: null,
    };
    // As the API sends it: JSON text, where __proto__ is a header name like any other.
    const text = JSON.stringify(card).replace('"headers":{', '"headers":{"__proto__":"exfil-data","constructor":"c",');
    const parsed = ApprovalSchema.parse(JSON.parse(text));
    expect(Object.entries(parsed.headers)).toEqual([
      ['__proto__', 'exfil-data'],
      ['constructor', 'c'],
      ['content-type', 'application/json'],
    ]);
  });
});
