import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../vault/model/records.js';
import { auditToCsv, auditToTable } from './audit-format.js';

const row: AuditEntry = {
  id: 1,
  time: '2026-11-23T10:00:00.000Z',
  agentId: 'agt_1',
  agentIdentifier: 'main',
  method: 'POST',
  host: 'api.github.com',
  path: '/repos/a,"b"/issues',
  secretName: '=HYPERLINK("x")',
  decision: 'injected',
  status: 201,
  bytesIn: 10,
  bytesOut: 20,
  durationMs: 12.5,
  reason: null,
};

describe('audit output', () => {
  it('writes RFC 4180 CSV and defuses spreadsheet formulas', () => {
    const csv = auditToCsv([row]);
    const [header, line] = csv.split('\r\n');
    expect(header).toBe('time,agentIdentifier,method,host,path,secretName,decision,status,bytesIn,bytesOut,durationMs,reason');
    expect(line).toContain('"/repos/a,""b""/issues"');
    expect(line).toContain(`"'=HYPERLINK(""x"")"`);
    expect(line!.endsWith(',')).toBe(true);
  });

  it('prints an aligned table', () => {
    const table = auditToTable([row, { ...row, id: 2, secretName: null, status: null }]);
    const lines = table.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^TIME +AGENT +METHOD/);
    expect(lines[2]).toContain('  -  ');
  });
});
