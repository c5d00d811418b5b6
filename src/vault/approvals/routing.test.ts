import { describe, expect, it } from 'vitest';
import type { Approver } from '../model/approvals.js';
import { mayDecide, visibleToClient } from './pending-scope.js';
import { DASHBOARD_ROUTE, HOST_CLIENTS_ROUTE, approvalCandidates, resolveRoute, routeApproval } from './routing.js';

const approver = (id: string, role: Approver['role'], channel: Approver['channel'], address = '', agentIds: string[] = []): Approver => ({
  id,
  name: id,
  role,
  agentIds,
  channel,
  address,
  createdAt: '2025-01-01T00:00:00.000Z',
});

const groupA = approver('apv_ga', 'group_admin', 'telegram', '111', ['agt_a']);
const groupB = approver('apv_gb', 'group_admin', 'host', 'host-b', ['agt_b']);
const global = approver('apv_global', 'global_admin', 'telegram', '222');
const owner = approver('apv_owner', 'owner', 'host', 'laptop');
const all = [owner, global, groupB, groupA];

describe('approver routing', () => {
  it('orders group admins of the agent, global admins, then owners, with the built-in routes in their places', () => {
    expect(approvalCandidates('agt_a', all).map((a) => `${a.id}:${a.agentIds.join(',')}`)).toEqual([
      'apv_ga:agt_a',
      `${HOST_CLIENTS_ROUTE}:agt_a`,
      'apv_global:',
      'apv_owner:',
      `${HOST_CLIENTS_ROUTE}:`,
      `${DASHBOARD_ROUTE}:`,
    ]);
    // Another agent's group admin is never asked.
    expect(approvalCandidates('agt_b', all).map((a) => a.id)).not.toContain('apv_ga');
  });

  it('gives the card to the first reachable one and falls through each level', () => {
    const route = (reachable: string[]) =>
      routeApproval({ agentId: 'agt_a', approvers: all, reachable: (a) => reachable.includes(`${a.id}:${a.agentIds.join(',')}`) })[0]?.id ?? null;
    expect(route(['apv_ga:agt_a', 'apv_global:', 'dashboard:'])).toBe('apv_ga');
    expect(route(['host:agt_a', 'apv_global:'])).toBe(HOST_CLIENTS_ROUTE);
    expect(route(['apv_global:', 'apv_owner:'])).toBe('apv_global');
    expect(route(['apv_owner:', 'dashboard:'])).toBe('apv_owner');
    expect(route(['host:'])).toBe(HOST_CLIENTS_ROUTE);
    expect(route(['dashboard:'])).toBe(DASHBOARD_ROUTE);
  });

  it('finds nobody when nobody is reachable, even with approvers configured', () => {
    expect(routeApproval({ agentId: 'agt_a', approvers: all, reachable: () => false })).toEqual([]);
    expect(routeApproval({ agentId: 'agt_a', approvers: [], reachable: () => false })).toEqual([]);
  });

  it('resolves routedTo back to an approver', () => {
    expect(resolveRoute('apv_gb', 'agt_b', all)).toBe(groupB);
    expect(resolveRoute(HOST_CLIENTS_ROUTE, 'agt_b', all)).toMatchObject({ channel: 'host', address: '', agentIds: ['agt_b'] });
    expect(resolveRoute(DASHBOARD_ROUTE, 'agt_b', all)).toMatchObject({ channel: 'dashboard' });
    expect(resolveRoute('apv_deleted', 'agt_b', all)).toBeNull();
    expect(resolveRoute(null, 'agt_b', all)).toBeNull();
  });
});

describe('who sees and decides an approval', () => {
  const pending = { status: 'pending', agentId: 'agt_b' } as Parameters<typeof visibleToClient>[0];
  it('shows a named client only what was routed to it, and unnamed clients only what went to unnamed clients in scope', () => {
    expect(visibleToClient(pending, groupB, { clientName: 'host-b', agentIds: [] })).toBe(true);
    expect(visibleToClient(pending, groupB, { clientName: 'host-a', agentIds: [] })).toBe(false);
    expect(visibleToClient(pending, groupB, { clientName: null, agentIds: [] })).toBe(false);
    expect(visibleToClient(pending, groupB, { clientName: 'host-b', agentIds: ['agt_a'] })).toBe(false);
    const unnamed = resolveRoute(HOST_CLIENTS_ROUTE, 'agt_b', all);
    expect(visibleToClient(pending, unnamed, { clientName: null, agentIds: ['agt_b'] })).toBe(true);
    expect(visibleToClient(pending, unnamed, { clientName: null, agentIds: ['agt_a'] })).toBe(false);
    expect(visibleToClient(pending, unnamed, { clientName: 'host-b', agentIds: [] })).toBe(false);
    expect(visibleToClient(pending, global, { clientName: null, agentIds: [] })).toBe(false); // telegram cards stay off polls
    expect(visibleToClient({ ...pending, status: 'approved' }, groupB, { clientName: 'host-b', agentIds: [] })).toBe(false);
  });

  it('lets owners decide anything and a named client only its own', () => {
    expect(mayDecide(groupB, { kind: 'owner', name: 'cli' })).toBe(true);
    expect(mayDecide(null, { kind: 'owner', name: 'cli' })).toBe(true);
    expect(mayDecide(groupB, { kind: 'host_client', name: 'host-b' })).toBe(true);
    expect(mayDecide(groupB, { kind: 'host_client', name: 'host-a' })).toBe(false);
    expect(mayDecide(global, { kind: 'host_client', name: '222' })).toBe(false);
    expect(mayDecide(resolveRoute(HOST_CLIENTS_ROUTE, 'agt_b', all), { kind: 'host_client', name: 'host-b' })).toBe(false);
  });
});
