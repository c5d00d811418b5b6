import type { Approver } from '../model/approvals.js';

/** `routedTo` of approvals given to unnamed host clients (their agent scope decides who sees them). */
export const HOST_CLIENTS_ROUTE = 'host';
/** `routedTo` of approvals given to whoever has the dashboard open. */
export const DASHBOARD_ROUTE = 'dashboard';

const EPOCH = new Date(0).toISOString();

/** The approvers nobody configures: unnamed host clients (scoped or not) and dashboard viewers. */
export function builtInApprover(id: typeof HOST_CLIENTS_ROUTE | typeof DASHBOARD_ROUTE, agentIds: string[] = []): Approver {
  const role = agentIds.length > 0 ? 'group_admin' : 'owner';
  const name = id === HOST_CLIENTS_ROUTE ? 'unnamed host clients' : 'dashboard viewers';
  return { id, name, role, agentIds, channel: id, address: '', createdAt: EPOCH };
}

/**
 * Everyone who could answer an approval of `agentId`, in the order they are asked:
 * 1) its group admins, then unnamed host clients polling for that agent;
 * 2) global admins;
 * 3) owners, then unnamed unscoped host clients, then dashboard viewers.
 */
export function approvalCandidates(agentId: string, approvers: readonly Approver[]): Approver[] {
  const byRole = (role: Approver['role']) => approvers.filter((a) => a.role === role);
  return [
    ...byRole('group_admin').filter((a) => a.agentIds.includes(agentId)),
    builtInApprover(HOST_CLIENTS_ROUTE, [agentId]),
    ...byRole('global_admin'),
    ...byRole('owner'),
    builtInApprover(HOST_CLIENTS_ROUTE),
    builtInApprover(DASHBOARD_ROUTE),
  ];
}

/** The reachable candidates in order; the first gets the card, the rest are fallbacks if sending fails. Empty: nobody reachable. */
export function routeApproval(options: {
  agentId: string;
  approvers: readonly Approver[];
  reachable: (approver: Approver) => boolean;
}): Approver[] {
  return approvalCandidates(options.agentId, options.approvers).filter((a) => options.reachable(a));
}

/** The approver a `routedTo` value names: a configured one by id, or a built-in route. */
export function resolveRoute(routedTo: string | null, agentId: string, configured: readonly Approver[]): Approver | null {
  if (routedTo === null) return null;
  if (routedTo === HOST_CLIENTS_ROUTE) return builtInApprover(HOST_CLIENTS_ROUTE, [agentId]);
  if (routedTo === DASHBOARD_ROUTE) return builtInApprover(DASHBOARD_ROUTE);
  return configured.find((a) => a.id === routedTo) ?? null;
}
