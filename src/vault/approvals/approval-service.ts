import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { randomId } from '../store/crypto.js';
import { ANY_TABLE, type VaultStore } from '../store/types.js';
import type { Approval, ApprovalGrant, Approver, Decision, NewAlert } from '../model/approvals.js';
import { AlertFeed } from './alert-feed.js';
import { AlertPush } from './alert-push.js';
import { DashboardChannel } from './dashboard-channel.js';
import { barePath } from '../inject/path-readings.js';
import { grantCovers } from './grant-match.js';
import { HeldRequests } from './held-requests.js';
import { HostClientChannel } from './host-client-channel.js';
import { mayDecide, visibleToClient } from './pending-scope.js';
import { PendingWaiters } from './pending-waiters.js';
import { routeApproval } from './routing.js';
import type { ApprovalChannel, ApprovalService, DecideResult, Decider, HoldOutcome, HoldRequest } from './types.js';

export interface ApprovalServiceOptions {
  store: VaultStore;
  logger: Logger;
  /** How long a held request waits for a person (DEFAULT_APPROVAL_TTL_MS in production). */
  ttlMs: number;
  /** Channels besides the built-in host-client and dashboard ones (Telegram). */
  channels: ApprovalChannel[];
  /** Epoch milliseconds; tests pass a clock they move. */
  now?: () => number;
}

export const REASON_NO_RESPONSE = 'expired (no response)';
export const REASON_RESTARTED = 'expired (host restarted)';
export const REASON_DISCONNECTED = 'client disconnected';
export const REASON_UNREACHABLE = 'no approver reachable';

/** The approvals service: holds requests, routes cards, takes decisions. One per vault process. */
export function createApprovalService(options: ApprovalServiceOptions): ApprovalService {
  const { store, logger, ttlMs } = options;
  const now = options.now ?? Date.now;
  const iso = (ms = now()) => new Date(ms).toISOString();
  const hostClients = new HostClientChannel(now);
  const dashboard = new DashboardChannel();
  const channels: ApprovalChannel[] = [hostClients, dashboard, ...options.channels];
  const held = new HeldRequests({ store, logger, channels, now });
  const waiters = new PendingWaiters();
  const alerts = new AlertFeed(now);
  const push = new AlertPush({ store, channels, logger, now });
  let closed = false;
  // Another vault process on the same store may decide a request held here.
  const unsubscribe = store.subscribeChanges?.((table) => {
    if ((table === 'approvals' || table === ANY_TABLE) && !closed) held.answerSettledElsewhere();
  });

  const channelFor = (approver: Approver) => channels.find((c) => c.kind === approver.channel && c.reachable(approver)) ?? null;
  const unreachable = (id: string) => held.settle(id, { status: 'rejected', reason: REASON_UNREACHABLE, decidedBy: null, unreachable: true });

  /** Gives the card to the first reachable approver whose channel takes it; nobody → unreachable at once. */
  async function route(approval: Approval): Promise<void> {
    const candidates = routeApproval({ agentId: approval.agentId, approvers: store.approvers.list(), reachable: (a) => channelFor(a) !== null });
    for (const approver of candidates) {
      const channel = channelFor(approver);
      if (!channel || !held.has(approval.id)) continue;
      const routed = store.approvals.setRoutedTo(approval.id, approver.id);
      if (routed?.status !== 'pending') return;
      try {
        await channel.present(routed, approver);
      } catch (err) {
        logger.warn('Could not show the approval card; trying the next approver', { id: approval.id, to: approver.id, error: errorMessage(err) });
        continue;
      }
      logger.info('Approval pending', { id: approval.id, agent: approval.agentIdentifier, method: approval.method, host: approval.host, path: approval.path, to: approver.id });
      const current = store.approvals.get(approval.id);
      if (current?.status === 'pending') {
        held.emit({ type: 'pending', approval: current });
        waiters.wake();
      }
      return;
    }
    store.approvals.setRoutedTo(approval.id, null);
    unreachable(approval.id);
  }

  function coveringGrant(r: HoldRequest): ApprovalGrant | null {
    const query = { agentId: r.agent.id, secretId: r.secret?.id ?? null, method: r.method, host: r.host, path: r.target };
    return store.approvalGrants.candidates({ ...query, now: iso() }).find((g) => grantCovers(g, query, now())) ?? null;
  }

  function record(r: HoldRequest): Approval {
    const createdAt = now();
    return store.approvals.create({
      id: randomId('apr'),
      kind: r.kind ?? 'request',
      agentId: r.agent.id,
      agentIdentifier: r.agent.identifier,
      secretId: r.secret?.id ?? null,
      secretName: r.secret?.name ?? null,
      ruleId: r.ruleId,
      method: r.method.toUpperCase(),
      host: r.host.toLowerCase(),
      path: r.path,
      headers: r.headers,
      bodyPreview: r.bodyPreview,
      bodyDigest: r.bodyDigest,
      bodySeen: r.bodySeen,
      bodyUnseen: r.bodyUnseen,
      routedTo: null,
      createdAt: iso(createdAt),
      expiresAt: iso(createdAt + ttlMs),
    });
  }

  function hold(r: HoldRequest, signal: AbortSignal): Promise<HoldOutcome> {
    try {
      if (closed) return Promise.resolve({ decision: 'unreachable', approvalId: '', reason: 'the vault is shutting down' });
      const grant = r.kind === 'new_host' ? null : coveringGrant(r);
      if (grant) return Promise.resolve({ decision: 'approved', approvalId: grant.approvalId, grantId: grant.id, bodyDigest: null });
      const approval = record(r);
      return new Promise<HoldOutcome>((resolve) => {
        const onAbort = () => held.settle(approval.id, { status: 'cancelled', reason: REASON_DISCONNECTED, decidedBy: null });
        const timer = setTimeout(() => held.settle(approval.id, { status: 'expired', reason: REASON_NO_RESPONSE, decidedBy: null }), ttlMs);
        timer.unref();
        held.add(approval.id, { resolve, timer, cleanup: () => signal.removeEventListener('abort', onAbort) });
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort();
        else {
          route(approval).catch((err: unknown) => {
            logger.error('Approval routing failed', { id: approval.id, error: errorMessage(err) });
            unreachable(approval.id);
          });
        }
      });
    } catch (err) {
      logger.error('Could not hold the request for approval', { error: errorMessage(err) });
      return Promise.resolve({ decision: 'rejected', approvalId: '', reason: 'the approval could not be recorded' });
    }
  }

  /** Raises an alert: into the feed the dashboard and host clients read, and pushed to Telegram. */
  function raise(fields: NewAlert): void {
    const raised = alerts.push(fields);
    logger.warn('Honeytoken used; the request was refused', { agent: fields.agentIdentifier, secret: fields.secretName, method: fields.method, host: fields.host, path: fields.path });
    push.send(raised);
  }

  /** "Allow always" on a new host: the host joins the agent's allowlist, so it is not asked about again. */
  function allowAlways(a: Approval): void {
    const agent = store.agents.get(a.agentId);
    if (!agent || agent.allowHosts.includes(a.host)) return;
    store.agents.update(agent.id, { allowHosts: [...agent.allowHosts, a.host] });
    logger.info('Host added to the agent’s allowlist', { agent: agent.identifier, host: a.host, approval: a.id });
  }

    function decide(id: string, decision: Decision, by: Decider): DecideResult {
    const approval = store.approvals.get(id);
    if (!approval) return { result: 'not_found' };
    if (!mayDecide(held.routeOf(approval), by)) return { result: 'forbidden' };
    if (approval.status === 'pending' && Date.parse(approval.expiresAt) <= now()) {
      const expired = held.settle(id, { status: 'expired', reason: REASON_NO_RESPONSE, decidedBy: null });
      return { result: 'expired', approval: expired ?? approval };
    }
    if (approval.status === 'expired' || approval.status === 'cancelled') return { result: 'expired', approval };
    if (approval.status !== 'pending') return { result: 'already_decided', approval };
    const approve = decision.decision === 'approve';
    const reason = decision.reason ?? (approve ? null : 'rejected');
    const settled = held.settle(id, { status: approve ? 'approved' : 'rejected', reason, decidedBy: by.name });
    if (!settled) return { result: 'already_decided', approval: store.approvals.get(id) ?? approval };
    if (approve && decision.always && settled.kind === 'new_host') allowAlways(settled);
    if (!approve || !decision.grantMinutes || settled.kind === 'new_host') return { result: 'ok', approval: settled, grant: null };
    const grant = store.approvalGrants.create({
      agentId: settled.agentId,
      secretId: settled.secretId,
      method: settled.method,
      host: settled.host,
      // The approved path without its query: a grant covers a path prefix, whatever the query.
      pathPrefix: decision.grantPathPrefix ?? barePath(settled.path),
      approvalId: settled.id,
      expiresAt: iso(now() + decision.grantMinutes * 60_000),
    });
    logger.info('Approval grant created', { id: grant.id, approval: settled.id, minutes: decision.grantMinutes });
    return { result: 'ok', approval: settled, grant };
  }

  return {
    hold,
    decide,
    alert(fields) {
      try {
        raise(fields);
      } catch (err) {
        logger.error('Could not raise the alert', { error: errorMessage(err) });
      }
    },
    waitForAlerts: (scope, timeoutMs, signal) => alerts.wait(scope, closed ? 0 : timeoutMs, signal),
    listAlerts: (scope) => alerts.list(scope),
    subscribeAlerts: (listener) =>
      alerts.subscribe((a) => {
        try {
          listener(a);
        } catch (err) {
          logger.warn('Alert listener failed', { error: errorMessage(err) });
        }
      }),
    get: (id) => store.approvals.get(id),
    list: (query) => store.approvals.list(query),
    waitForPending(scope, timeoutMs, signal) {
      const pollEnded = hostClients.pollOpened(scope);
      const pick = () =>
        store.approvals
          .list({ status: 'pending', limit: 1000 })
          .filter((a) => held.has(a.id) && visibleToClient(a, held.routeOf(a), scope))
          .reverse();
      return waiters.wait(pick, closed ? 0 : timeoutMs, signal).finally(pollEnded);
    },
    subscribe: (listener) => held.subscribe(listener),
    dashboardViewerOpened: () => dashboard.viewerOpened(),
    listGrants: () => store.approvalGrants.listLive(iso()),
    revokeGrant: (id) => store.approvalGrants.delete(id),
    expireLeftovers() {
      // On a store shared with other vault processes, a pending approval held by none of ours may be
      // another's live hold: only those past their TTL are leftovers (their holder would have ended them).
      const shared = store.subscribeChanges !== undefined;
      const leftovers = store.approvals
        .list({ status: 'pending', limit: 100_000 })
        .filter((a) => !held.has(a.id) && (!shared || Date.parse(a.expiresAt) <= now()));
      const count = leftovers.filter((a) => held.settle(a.id, { status: 'expired', reason: REASON_RESTARTED, decidedBy: null })).length;
      if (count > 0) logger.info('Expired approvals left pending by a previous run', { count });
      return count;
    },
    close() {
      closed = true;
      unsubscribe?.();
      for (const id of held.ids()) held.settle(id, { status: 'expired', reason: REASON_RESTARTED, decidedBy: null });
      waiters.release();
      alerts.close();
      held.unsubscribeAll();
    },
  };
}
