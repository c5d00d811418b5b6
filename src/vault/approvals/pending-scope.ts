import type { Approval, Approver } from '../model/approvals.js';
import type { Decider, PendingScope } from './types.js';

/**
 * Whether a host client with this scope is shown an approval on its long-poll. A named client
 * sees what was routed to a host approver with its name; an unnamed one sees what was routed to
 * unnamed host clients. Either way a non-empty agent scope narrows the list further.
 */
export function visibleToClient(approval: Approval, routedTo: Approver | null, scope: PendingScope): boolean {
  if (approval.status !== 'pending' || routedTo?.channel !== 'host') return false;
  if (scope.agentIds.length > 0 && !scope.agentIds.includes(approval.agentId)) return false;
  return scope.clientName === null ? routedTo.address === '' : routedTo.address === scope.clientName;
}

/** Owners (API key without a client name) decide anything; a named host client only what was routed to it. */
export function mayDecide(routedTo: Approver | null, by: Decider): boolean {
  if (by.kind === 'owner') return true;
  return routedTo?.channel === 'host' && routedTo.address !== '' && routedTo.address === by.name;
}
