import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { storeHarness } from '../../../test/support/store-backends.js';
import { Logger, memorySink } from '../../common/logger.js';
import { Redactor } from '../../common/redact.js';
import { openStore } from '../store/store.js';
import { createApprovalService } from './approval-service.js';
import type { ApprovalEvent, HoldOutcome } from './types.js';

const logger = new Logger({ level: 'silent', sink: memorySink(), redactor: new Redactor() });
const owner = { kind: 'owner', name: 'dashboard:replica-b' } as const;

describe('approvals across two vault processes on one Postgres database', () => {
  const harness = storeHarness('postgres');

  it.each(['approve', 'deny'] as const)('a request held by replica A is answered when replica B decides (%s)', async (decision) => {
    const masterKey = randomBytes(32);
    const open = () => openStore({ ...harness.location, masterKey, redactor: new Redactor() });
    const [storeA, storeB] = [open(), open()];
    const [a, b] = [storeA, storeB].map((store) => createApprovalService({ store, logger, ttlMs: 60_000, channels: [] }));
    try {
      const agent = storeA.agents.create({ name: 'Main', identifier: 'main' }).agent;
      a!.dashboardViewerOpened(); // a reachable approver on A, so the request waits for a person
      const pending = new Promise<string>((resolve) => a!.subscribe((e: ApprovalEvent) => e.type === 'pending' && resolve(e.approval.id)));
      const request = { agent, secret: null, ruleId: null, method: 'POST', host: 'api.test', path: '/pay', target: '/pay', headers: {}, bodyPreview: '', bodyDigest: '0'.repeat(64), bodySeen: 0, bodyUnseen: 0 };
      let outcome: HoldOutcome | null = null;
      const held = a!.hold(request, new AbortController().signal).then((o) => (outcome = o));
      const id = await pending;

      expect(b!.get(id)).toMatchObject({ status: 'pending' }); // B sees the hold through the store
      // A replica starting meanwhile leaves another's live hold alone (it is within its TTL).
      expect(b!.expireLeftovers()).toBe(0);
      expect(b!.get(id)).toMatchObject({ status: 'pending' });
      expect(b!.decide(id, { decision }, owner)).toMatchObject({ result: 'ok' });
      await held; // answered long before the 60 s TTL: B's decision reached A through NOTIFY
      expect(outcome).toMatchObject({ decision: decision === 'approve' ? 'approved' : 'rejected', approvalId: id });
      expect(a!.get(id)).toMatchObject({ status: decision === 'approve' ? 'approved' : 'rejected', decidedBy: owner.name });
      expect(a!.decide(id, { decision: 'approve' }, owner)).toMatchObject({ result: 'already_decided' });
    } finally {
      a!.close();
      b!.close();
      storeA.close();
      storeB.close();
    }
  });
});
