import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../common/logger.js';
import { Redactor } from '../../common/redact.js';
import type { Agent, Secret } from '../model/records.js';
import { openStore } from '../store/store.js';
import type { VaultStore } from '../store/types.js';
import type { Approval, Approver } from '../model/approvals.js';
import { createApprovalService, type ApprovalServiceOptions } from './approval-service.js';
import type { ApprovalChannel, ApprovalEvent, ApprovalService, HoldRequest } from './types.js';

let dir: string;
let store: VaultStore;
let agent: Agent;
let secret: Secret;
let clock: number;
const services: ApprovalService[] = [];
const logger = new Logger({ level: 'silent', sink: memorySink(), redactor: new Redactor() });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-approval-svc-'));
  store = openStore({ path: join(dir, 'vault.db'), masterKey: randomBytes(32), redactor: new Redactor() });
  agent = store.agents.create({ name: 'Main', identifier: 'main' }).agent;
  secret = store.secrets.create({ name: 'Stripe', type: 'api_key', value: 'sk_test_abcdef', hostPattern: 'api.stripe.com' });
  clock = Date.parse('2025-06-01T12:00:00.000Z');
});
afterEach(() => {
  for (const s of services.splice(0)) s.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function service(extra: Partial<ApprovalServiceOptions> = {}): ApprovalService {
  const s = createApprovalService({ store, logger, ttlMs: 60_000, channels: [], now: () => clock, ...extra });
  services.push(s);
  return s;
}

function request(overrides: Partial<HoldRequest> = {}): HoldRequest {
  const path = overrides.path ?? '/v1/charges';
  return {
    agent,
    secret,
    ruleId: 'rule_1',
    method: 'POST',
    host: 'api.stripe.com',
    path,
    target: path,
    headers: { 'content-type': 'application/json' },
    bodyPreview: '{"amount":5}',
    bodyDigest: 'a'.repeat(64),
    bodySeen: 12,
    bodyUnseen: 0,
    ...overrides,
  };
}

/** Resolves with the first event of `type` (the hold routes asynchronously). */
function next(s: ApprovalService, type: ApprovalEvent['type']): Promise<Approval> {
  return new Promise((resolve) => {
    const off = s.subscribe((e) => {
      if (e.type === type) {
        off();
        resolve(e.approval);
      }
    });
  });
}

const never = () => new AbortController().signal;
const owner = { kind: 'owner', name: 'cli' } as const;

describe('approval service', () => {
  it('denies at once when nobody is reachable', async () => {
    const s = service();
    const outcome = await s.hold(request(), never());
    expect(outcome).toMatchObject({ decision: 'unreachable', reason: 'no approver reachable' });
    expect(s.get(outcome.approvalId)).toMatchObject({ status: 'rejected', reason: 'no approver reachable', routedTo: null });
  });

  it('binds a decision to exactly one held request', async () => {
    const s = service();
    s.dashboardViewerOpened();
    const seen = next(s, 'pending');
    const x = s.hold(request({ bodyDigest: '1'.repeat(64) }), never());
    const first = await seen;
    const seenY = next(s, 'pending');
    const y = s.hold(request({ bodyDigest: '2'.repeat(64) }), never());
    const second = await seenY;
    expect(first).toMatchObject({ status: 'pending', routedTo: 'dashboard', agentIdentifier: 'main', secretName: 'Stripe', bodyDigest: '1'.repeat(64) });
    expect(Date.parse(first.expiresAt) - Date.parse(first.createdAt)).toBe(60_000);

    const decided = s.decide(first.id, { decision: 'approve' }, owner);
    expect(decided).toMatchObject({ result: 'ok', grant: null, approval: { status: 'approved', decidedBy: 'cli' } });
    expect(await x).toEqual({ decision: 'approved', approvalId: first.id, grantId: null, bodyDigest: '1'.repeat(64) });
    expect(s.get(second.id)?.status).toBe('pending'); // same method, host and path: still held
    expect(s.decide(first.id, { decision: 'deny' }, owner)).toMatchObject({ result: 'already_decided' });
    expect(s.decide('apr_nope', { decision: 'approve' }, owner)).toEqual({ result: 'not_found' });

    s.decide(second.id, { decision: 'deny', reason: 'not today' }, owner);
    expect(await y).toEqual({ decision: 'rejected', approvalId: second.id, reason: 'not today' });
  });

  it('expires on its TTL (injected clock) and when the timer fires', async () => {
    const s = service();
    s.dashboardViewerOpened();
    const seen = next(s, 'pending');
    const held = s.hold(request(), never());
    const pending = await seen;
    clock += 60_000;
    expect(s.decide(pending.id, { decision: 'approve' }, owner)).toMatchObject({ result: 'expired', approval: { status: 'expired' } });
    expect(await held).toMatchObject({ decision: 'expired', reason: 'expired (no response)' });

    const quick = service({ ttlMs: 30 });
    quick.dashboardViewerOpened();
    const outcome = await quick.hold(request(), never());
    expect(outcome).toMatchObject({ decision: 'expired', reason: 'expired (no response)' });
    expect(s.decide(outcome.approvalId, { decision: 'approve' }, owner)).toMatchObject({ result: 'expired' });
  });

  it('cancels when the client goes away', async () => {
    const s = service();
    s.dashboardViewerOpened();
    const controller = new AbortController();
    const seen = next(s, 'pending');
    const held = s.hold(request(), controller.signal);
    const pending = await seen;
    const settled = next(s, 'settled');
    controller.abort();
    expect(await held).toMatchObject({ decision: 'cancelled', reason: 'client disconnected' });
    expect((await settled).status).toBe('cancelled');
    expect(s.decide(pending.id, { decision: 'approve' }, owner)).toMatchObject({ result: 'expired' });
  });

  it('lets a time-boxed grant cover later requests of the same agent, secret, method and path prefix', async () => {
    const s = service();
    s.dashboardViewerOpened();
    const seen = next(s, 'pending');
    const held = s.hold(request({ path: '/v1/charges/ch_1' }), never());
    const pending = await seen;
    const { grant } = s.decide(pending.id, { decision: 'approve', grantMinutes: 5, grantPathPrefix: '/v1/charges' }, owner) as { grant: { id: string } };
    await held;
    expect(s.listGrants()).toEqual([expect.objectContaining({ id: grant.id, pathPrefix: '/v1/charges', agentId: agent.id, secretId: secret.id })]);

    const covered = await s.hold(request({ path: '/v1/charges/ch_2', bodyDigest: 'b'.repeat(64) }), never());
    expect(covered).toEqual({ decision: 'approved', approvalId: pending.id, grantId: grant.id, bodyDigest: null });
    expect(s.list({ status: 'pending' })).toEqual([]);
    // Another method is asked again; an expired or revoked grant covers nothing.
    const other = s.hold(request({ method: 'DELETE', path: '/v1/charges/ch_2' }), never());
    const asked = (await next(s, 'pending')) as Approval;
    expect(asked.method).toBe('DELETE');
    s.decide(asked.id, { decision: 'deny' }, owner);
    await other;
    clock += 5 * 60_000;
    expect(s.listGrants()).toEqual([]);
    const late = s.hold(request({ path: '/v1/charges/ch_3' }), never());
    s.decide((await next(s, 'pending')).id, { decision: 'deny' }, owner);
    expect((await late).decision).toBe('rejected');
    expect(s.revokeGrant(grant.id)).toBe(true);
    expect(s.revokeGrant(grant.id)).toBe(false);
  });

  it('judges a grant on the whole target, and makes the default prefix the approved path without its query', async () => {
    const s = service();
    s.dashboardViewerOpened();
    const seen = next(s, 'pending');
    const held = s.hold(request({ path: '/v1/charges?amount=5', target: '/v1/charges?amount=5' }), never());
    const { grant } = s.decide((await seen).id, { decision: 'approve', grantMinutes: 5 }, owner) as { grant: { pathPrefix: string } };
    await held;
    expect(grant.pathPrefix).toBe('/v1/charges');
    expect(await s.hold(request({ path: '/v1/charges/ch_9', target: '/v1/charges/ch_9?amount=7' }), never())).toMatchObject({ decision: 'approved' });
    // What the approver would see is under the prefix, but the target sent is not.
    const escape = `/v1/charges/${'a'.repeat(2100)}/../../../admin`;
    const asked = s.hold(request({ path: '/v1/charges/x', target: escape }), never());
    const pending = await next(s, 'pending');
    s.decide(pending.id, { decision: 'deny' }, owner);
    expect(await asked).toMatchObject({ decision: 'rejected' });
  });

  it('tries the next approver when a channel fails to show the card, and settles the card it showed', async () => {
    const shown: string[] = [];
    const settled: string[] = [];
    const telegram: ApprovalChannel = {
      kind: 'telegram',
      reachable: () => true,
      present: async (_a, approver) => {
        if (approver.address === '111') throw new Error('chat not found');
        shown.push(approver.address);
      },
      settle: async (a, approver) => void settled.push(`${approver.address}:${a.status}:${a.reason}`),
    };
    const broken = store.approvers.create({ name: 'Gone', role: 'group_admin', agentIds: [agent.id], channel: 'telegram', address: '111' });
    const ok = store.approvers.create({ name: 'Boss', role: 'global_admin', agentIds: [], channel: 'telegram', address: '222' });
    const s = service({ channels: [telegram] });
    const seen = next(s, 'pending');
    const held = s.hold(request(), never());
    expect((await seen).routedTo).toBe(ok.id);
    expect(shown).toEqual(['222']);
    expect(broken.id).not.toBe(ok.id);

    // A new process finds the row left pending: expired, and the Telegram card is told.
    const restarted = service({ channels: [telegram] });
    expect(restarted.expireLeftovers()).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual(['222:expired:expired (host restarted)']);
    expect(s.list({ status: 'expired' })).toHaveLength(1);
    void held;
  });

  it('closes by expiring every held request', async () => {
    const s = service();
    s.dashboardViewerOpened();
    const seen = next(s, 'pending');
    const held = s.hold(request(), never());
    await seen;
    s.close();
    expect(await held).toMatchObject({ decision: 'expired', reason: 'expired (host restarted)' });
    expect((await s.hold(request(), never())).decision).toBe('unreachable');
  });
});

describe('host-client long-polls', () => {
  function hostApprover(name: string, agentId: string): Approver {
    return store.approvers.create({ name, role: 'group_admin', agentIds: [agentId], channel: 'host', address: name });
  }

  it('returns at once, on the next pending approval, or empty after the timeout', async () => {
    const s = service();
    const t0 = performance.now();
    expect(await s.waitForPending({ clientName: null, agentIds: [] }, 50, never())).toEqual([]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);

    const poll = s.waitForPending({ clientName: null, agentIds: [agent.id] }, 5_000, never());
    const held = s.hold(request(), never()); // the poll above makes unnamed scoped clients reachable
    const [got] = await poll;
    expect(got).toMatchObject({ status: 'pending', routedTo: 'host', agentId: agent.id });
    expect(await s.waitForPending({ clientName: null, agentIds: [] }, 5_000, never())).toEqual([got]);
    const aborted = new AbortController();
    const open = s.waitForPending({ clientName: 'someone', agentIds: [] }, 5_000, aborted.signal);
    aborted.abort();
    expect(await open).toEqual([]);
    s.decide(got!.id, { decision: 'approve' }, { kind: 'owner', name: 'api' });
    expect((await held).decision).toBe('approved');
  });

  it('keeps two named host clients apart', async () => {
    const agentB = store.agents.create({ name: 'B', identifier: 'b' }).agent;
    hostApprover('host-a', agent.id);
    hostApprover('host-b', agentB.id);
    const s = service();
    // Both clients poll (so both are reachable); each agent's request goes to its own client.
    const pollA = s.waitForPending({ clientName: 'host-a', agentIds: [] }, 300, never());
    const pollB = s.waitForPending({ clientName: 'host-b', agentIds: [] }, 5_000, never());
    const heldB = s.hold(request({ agent: agentB }), never());
    const [forB] = await pollB;
    expect(forB).toMatchObject({ agentId: agentB.id });
    expect(await pollA).toEqual([]); // A's poll timed out without seeing B's approval
    expect(s.decide(forB!.id, { decision: 'approve' }, { kind: 'host_client', name: 'host-a' })).toEqual({ result: 'forbidden' });
    expect(s.get(forB!.id)?.status).toBe('pending');
    expect(s.decide(forB!.id, { decision: 'approve' }, { kind: 'host_client', name: 'host-b' })).toMatchObject({ result: 'ok' });
    expect(await heldB).toMatchObject({ decision: 'approved' });
  });
});

describe('alerts (a honeytoken was used)', () => {
  const used = (agentId: string, identifier: string) => ({
    kind: 'honeytoken' as const,
    agentId,
    agentIdentifier: identifier,
    secretName: 'AWS root',
    method: 'GET',
    host: 'sts.amazonaws.com',
    path: '/?Action=',
  });

  it('tells each reachable approver of the agent on a channel that sends alerts, each chat once, and no one of another agent', async () => {
    const told: string[] = [];
    const telegram: ApprovalChannel = {
      kind: 'telegram',
      reachable: (a) => a.address !== '999',
      present: async () => {},
      settle: async () => {},
      alert: async (a, approver) => void told.push(`${approver.address}:${a.agentIdentifier}:${a.method} ${a.host}${a.path}`),
    };
    const other = store.agents.create({ name: 'Other', identifier: 'other' }).agent;
    store.approvers.create({ name: 'Admin', role: 'group_admin', agentIds: [agent.id], channel: 'telegram', address: '111' });
    store.approvers.create({ name: 'Admin of other', role: 'group_admin', agentIds: [other.id], channel: 'telegram', address: '333' });
    store.approvers.create({ name: 'Owner', role: 'owner', agentIds: [], channel: 'telegram', address: '222' });
    store.approvers.create({ name: 'Owner again', role: 'global_admin', agentIds: [], channel: 'telegram', address: '222' });
    store.approvers.create({ name: 'Offline', role: 'owner', agentIds: [], channel: 'telegram', address: '999' });
    const s = service({ channels: [telegram] });
    s.alert(used(agent.id, 'main'));
    await new Promise((r) => setImmediate(r));
    expect(told.sort()).toEqual(['111:main:GET sts.amazonaws.com/?Action=', '222:main:GET sts.amazonaws.com/?Action=']);

    // An agent looping on the decoy does not flood the chats: one push a minute per agent and decoy.
    told.length = 0;
    s.alert(used(agent.id, 'main'));
    s.alert({ ...used(agent.id, 'main'), secretName: 'another decoy' });
    clock += 59_999;
    s.alert(used(agent.id, 'main'));
    await new Promise((r) => setImmediate(r));
    expect(told).toHaveLength(2);
    clock += 1;
    s.alert(used(agent.id, 'main'));
    await new Promise((r) => setImmediate(r));
    expect(told).toHaveLength(4);
    // The feed (dashboard, host clients) has every one.
    expect(s.listAlerts({ after: 0, agentIds: [] })).toHaveLength(5);
  });

  it('feeds the dashboard and the host clients’ long-poll, scoped by agent and cursor', async () => {
    const other = store.agents.create({ name: 'Other', identifier: 'other' }).agent;
    const s = service();
    const live: string[] = [];
    s.subscribeAlerts((a) => live.push(a.agentIdentifier));
    const polled = s.waitForAlerts({ after: 0, agentIds: [other.id] }, 10_000, never());
    s.alert(used(agent.id, 'main'));
    s.alert(used(other.id, 'other'));
    const got = await polled;
    expect(got.map((a) => [a.agentIdentifier, a.seq, a.time])).toEqual([['other', 2, '2025-06-01T12:00:00.000Z']]);
    expect(live).toEqual(['main', 'other']);
    expect(s.listAlerts({ after: 1, agentIds: [] }).map((a) => a.seq)).toEqual([2]);
    // A cursor past the newest is from a vault that restarted: everything kept is new to that client.
    expect(s.listAlerts({ after: 40, agentIds: [] }).map((a) => a.seq)).toEqual([1, 2]);
    expect(await s.waitForAlerts({ after: 2, agentIds: [] }, 0, never())).toEqual([]);
  });
});

describe('approvals of a new host (egress mode ask)', () => {
  const newHost = (host: string): HoldRequest => ({ ...request({ secret: null, ruleId: null, method: 'CONNECT', host, path: ':443' }), kind: 'new_host' });

  it('allow always adds the host to the agent’s allowlist once; allow once and deny leave it alone; no grant is ever made', async () => {
    const s = service();
    s.dashboardViewerOpened();
    store.agents.update(agent.id, { egressPolicy: 'ask', allowHosts: ['kept.test'] });
    const decideNext = async (host: string, decision: Parameters<ApprovalService['decide']>[1]) => {
      const seen = next(s, 'pending');
      const held = s.hold(newHost(host), never());
      const approval = await seen;
      expect(approval).toMatchObject({ kind: 'new_host', host, method: 'CONNECT' });
      const r = s.decide(approval.id, decision, { kind: 'owner', name: 'cli' });
      expect(r).toMatchObject({ result: 'ok', grant: null });
      return held;
    };
    await expect(decideNext('once.test', { decision: 'approve', grantMinutes: 15 })).resolves.toMatchObject({ decision: 'approved' });
    await expect(decideNext('no.test', { decision: 'deny', always: true })).resolves.toMatchObject({ decision: 'rejected' });
    await decideNext('new.test', { decision: 'approve', always: true });
    await decideNext('new.test', { decision: 'approve', always: true });
    expect(store.agents.get(agent.id)).toMatchObject({ egressPolicy: 'ask', allowHosts: ['kept.test', 'new.test'] });
    expect(s.listGrants()).toEqual([]);
  });

  it('never lets a grant of an ordinary request cover a new host', async () => {
    const s = service();
    s.dashboardViewerOpened();
    store.approvalGrants.create({ agentId: agent.id, secretId: null, method: 'CONNECT', host: 'new.test', pathPrefix: ':', approvalId: 'apr_x', expiresAt: '2099-01-01T00:00:00.000Z' });
    const seen = next(s, 'pending');
    void s.hold(newHost('new.test'), never());
    expect((await seen).kind).toBe('new_host');
  });
});
