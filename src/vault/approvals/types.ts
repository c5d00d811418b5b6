import type { Agent, Secret } from '../model/records.js';
import type { Alert, Approval, ApprovalGrant, ApprovalKind, ApprovalStatus, Approver, Decision, NewAlert } from '../model/approvals.js';
import type { AlertScope } from './alert-feed.js';

/** The contracts between the approval service, the gateway that holds requests, and the channels that show cards. */

/** What the gateway knows about a request it holds. */
export interface HoldRequest {
  /** Default `request`; `new_host` for egress mode `ask` (no grant covers it; "always" adds the host to the allowlist). */
  kind?: ApprovalKind;
  agent: Agent;
  secret: Secret | null;
  ruleId: string | null;
  method: string;
  host: string;
  /** What the approver sees (Approval.path). */
  path: string;
  /** The whole request target as sent: what a grant's coverage is judged on. Never stored. */
  target: string;
  headers: Record<string, string>;
  bodyPreview: string;
  bodyDigest: string;
  bodySeen: number;
  bodyUnseen: number | null;
}

export type HoldOutcome =
  /** `bodyDigest`: the stored digest this approval binds, to check against the bytes released; null for a grant. */
  | { decision: 'approved'; approvalId: string; grantId: string | null; bodyDigest: string | null }
  | { decision: 'rejected' | 'expired' | 'cancelled' | 'unreachable'; approvalId: string; reason: string };

/** The gateway's view of approvals. */
export interface ApprovalGate {
  /**
   * Records a pending approval (or finds a live grant that covers the request), routes the card
   * to the first reachable approver, and resolves when someone decides, the TTL passes, or
   * `signal` aborts (the client went away → cancelled). Never rejects.
   */
  hold(request: HoldRequest, signal: AbortSignal): Promise<HoldOutcome>;
  /** Tells every approver of the agent, on every channel, that a honeytoken was used. Never throws. */
  alert?(alert: NewAlert): void;
}

/** Who is asking: the API key holder (CLI, dashboard) may decide anything; a named host client only what was routed to it. */
export interface Decider {
  kind: 'owner' | 'host_client';
  /** Client name for host clients, "cli"/"dashboard:<session>" for owners: recorded as decidedBy. */
  name: string;
}

export type DecideResult =
  | { result: 'ok'; approval: Approval; grant: ApprovalGrant | null }
  | { result: 'not_found' }
  | { result: 'expired'; approval: Approval }
  | { result: 'already_decided'; approval: Approval }
  | { result: 'forbidden' };

/** Which pending approvals a host client sees: those routed to it (by name) or, unnamed, those of its agents. */
export interface PendingScope {
  clientName: string | null;
  /** Agent ids (resolved from identifiers by the route); empty = every agent. */
  agentIds: string[];
}

export type ApprovalEvent =
  | { type: 'pending'; approval: Approval }
  | { type: 'settled'; approval: Approval };

/** A way to put a card in front of a person (Telegram, a host client, the dashboard). */
export interface ApprovalChannel {
  readonly kind: Approver['channel'];
  /** Whether this approver can be reached now; cheap and synchronous. */
  reachable(approver: Approver): boolean;
  /** Shows the card. Resolves once sent; a failure makes the service try the next approver. */
  present(approval: Approval, approver: Approver): Promise<void>;
  /** Updates the card after the approval settled (approved, rejected, expired, cancelled). */
  settle(approval: Approval, approver: Approver): Promise<void>;
  /** Sends an alert to this approver; absent where the approver reads the alert feed (dashboard, host clients). */
  alert?(alert: Alert, approver: Approver): Promise<void>;
}

/** Everything the API, CLI routes and dashboard use. */
export interface ApprovalService extends ApprovalGate {
  alert(alert: NewAlert): void;
  /** Long-poll of the alert feed: resolves at once with the alerts in scope, else with the next ones, else [] after timeoutMs. */
  waitForAlerts(scope: AlertScope, timeoutMs: number, signal: AbortSignal): Promise<Alert[]>;
  /** The alerts this process still keeps, oldest first. */
  listAlerts(scope: AlertScope): Alert[];
  /** Live alerts for the dashboard. Returns the unsubscribe function. */
  subscribeAlerts(listener: (alert: Alert) => void): () => void;
  decide(id: string, decision: Decision, by: Decider): DecideResult;
  get(id: string): Approval | null;
  list(query: { status?: ApprovalStatus; limit?: number }): Approval[];
  /** Long-poll: resolves at once when something is pending in scope, else on the next one, else [] after timeoutMs. */
  waitForPending(scope: PendingScope, timeoutMs: number, signal: AbortSignal): Promise<Approval[]>;
  /** Live updates for the dashboard. Returns the unsubscribe function. */
  subscribe(listener: (event: ApprovalEvent) => void): () => void;
  /** Marks a dashboard viewer present (an open event stream) so "dashboard" approvers count as reachable. */
  dashboardViewerOpened(): () => void;
  listGrants(): ApprovalGrant[];
  revokeGrant(id: string): boolean;
  /** On start: approvals a previous process left pending become "expired (host restarted)"; on a shared store only those past their TTL. */
  expireLeftovers(): number;
  /** Settles every pending approval as expired and stops timers. */
  close(): void;
}
