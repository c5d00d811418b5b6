import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from '../common/logger.js';
import { vaultTestDir, vaultTestOptions } from '../../test/support/vault-options.js';
import { startVault, type VaultServerOptions } from './server.js';

let dir: string;
const sink = memorySink();

const options = (): VaultServerOptions => vaultTestOptions(dir, sink, { approvalTtlMs: 90_000 });

beforeAll(() => {
  dir = vaultTestDir('ncl-vault-restart-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('approvals across a vault restart', () => {
  it('expires what was pending when the vault stopped or crashed', async () => {
    const first = await startVault(options());
    const { agent } = first.store.agents.create({ name: 'Main', identifier: 'main' });
    first.approvals.dashboardViewerOpened();
    const pending = new Promise<string>((resolve) => first.approvals.subscribe((e) => e.type === 'pending' && resolve(e.approval.id)));
    const held = first.approvals.hold(
      { agent, secret: null, ruleId: null, method: 'POST', host: 'api.test', path: '/x', target: '/x', headers: {}, bodyPreview: '', bodyDigest: '0'.repeat(64), bodySeen: 0, bodyUnseen: 0 },
      new AbortController().signal,
    );
    const heldId = await pending;
    const approval = first.approvals.get(heldId)!;
    expect(Date.parse(approval.expiresAt) - Date.parse(approval.createdAt)).toBe(90_000);
    // A row a crashed process left behind: pending in the file, held by nobody.
    first.store.approvals.create({ ...approval, id: 'apr_crashed', routedTo: 'dashboard' });
    await first.close();
    expect(await held).toMatchObject({ decision: 'expired', reason: 'expired (host restarted)' });

    const second = await startVault(options());
    try {
      expect(second.approvals.get('apr_crashed')).toMatchObject({ status: 'expired', reason: 'expired (host restarted)' });
      expect(second.approvals.get(heldId)).toMatchObject({ status: 'expired', reason: 'expired (host restarted)' });
      expect(second.approvals.list({ status: 'pending' })).toEqual([]);
      expect(sink.lines.join('\n')).toMatch(/Expired approvals left pending by a previous run.*count=1/);
    } finally {
      await second.close();
    }
  });
});
