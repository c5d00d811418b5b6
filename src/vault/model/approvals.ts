import { z } from 'zod';
import { stringMap } from '../../common/string-map.js';

/** Approvals, time-boxed approval grants and approvers as data; the shapes the API returns. */

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export const ApprovalStatusSchema = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatusSchema>;

/**
 * Most of a held request's body the gateway buffers before the card goes out, shows the approver
 * and binds the decision to, in bytes. A larger body's card says how many bytes go unseen.
 */
export const PREVIEW_LIMIT = 65_536;
/** Default time a held request waits for a person, in milliseconds. */
export const DEFAULT_APPROVAL_TTL_MS = 180_000;

/** `request`: a request a rule holds; `new_host`: an agent in egress mode `ask` reaching a host it has not used. */
export const APPROVAL_KINDS = ['request', 'new_host'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

export const ApprovalSchema = z.object({
  id: z.string(),
  kind: z.enum(APPROVAL_KINDS).default('request'),
  agentId: z.string(),
  agentIdentifier: z.string(),
  secretId: z.string().nullable(),
  secretName: z.string().nullable(),
  ruleId: z.string().nullable(),
  method: z.string(),
  host: z.string(),
  /** The request target normalised (dot segments resolved, `//` collapsed) with its query, secret values redacted. */
  path: z.string(),
  /** Request headers shown to the approver, auth-carrying ones removed. */
  headers: stringMap(),
  /** At most PREVIEW_LIMIT bytes of the body, secret values replaced by [REDACTED]. */
  bodyPreview: z.string(),
  /** SHA-256 hex of (method, host, target, the declared length, the shown bytes): what the decision binds to. */
  bodyDigest: z.string(),
  /** Bytes of the body the approver was shown (and the digest covers). Defaults for a vault from before they were recorded. */
  bodySeen: z.number().int().nonnegative().default(0),
  /** Bytes of the body past those: 0 when the approver saw it all, null when unknown (a chunked body still coming). */
  bodyUnseen: z.number().int().nonnegative().nullable().default(null),
  status: ApprovalStatusSchema,
  /** Why it ended as it did: "expired (no response)", "expired (host restarted)", "client disconnected", a reject reason. */
  reason: z.string().nullable(),
  /** Who got the card (approver id, or a host client name), null when none was reachable. */
  routedTo: z.string().nullable(),
  decidedBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  decidedAt: z.string().nullable(),
});
export type Approval = z.infer<typeof ApprovalSchema>;

export const DecisionSchema = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  reason: z.string().max(500).optional(),
  /** Approve this and later requests of the same agent, secret, method and path prefix for N minutes. */
  grantMinutes: z.number().int().min(1).max(24 * 60).optional(),
  /** The path prefix the grant covers; default the approved request's path. */
  grantPathPrefix: z.string().startsWith('/').max(2048).optional(),
  /** A new host (kind `new_host`) approved: add it to the agent's allowlist, so it is not asked about again. */
  always: z.boolean().optional(),
});
export type Decision = z.infer<typeof DecisionSchema>;

export const ApprovalGrantSchema = z.object({
  id: z.string(),
  agentId: z.string(),
  secretId: z.string().nullable(),
  method: z.string(),
  host: z.string(),
  pathPrefix: z.string(),
  approvalId: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type ApprovalGrant = z.infer<typeof ApprovalGrantSchema>;

export const APPROVER_ROLES = ['group_admin', 'global_admin', 'owner'] as const;
export const APPROVER_CHANNELS = ['telegram', 'host', 'dashboard'] as const;

export const ApproverSchema = z.object({
  id: z.string(),
  name: z.string().min(1).max(100),
  role: z.enum(APPROVER_ROLES),
  /** For group_admin: the agents (groups) this person administers. */
  agentIds: z.array(z.string()),
  channel: z.enum(APPROVER_CHANNELS),
  /** telegram: the chat id; host: the host client's name (x-nanoclaw-client); dashboard: empty. */
  address: z.string().max(200),
  createdAt: z.string(),
});
export type Approver = z.infer<typeof ApproverSchema>;

export const NewApproverSchema = ApproverSchema.omit({ id: true, createdAt: true }).extend({
  agentIds: z.array(z.string()).default([]),
  address: z.string().max(200).default(''),
});
export type NewApprover = z.infer<typeof NewApproverSchema>;

/**
 * What every approver is told, with nothing to decide: a request that would have used a
 * honeytoken was refused. Names the agent and the request, never a value.
 */
export const AlertSchema = z.object({
  id: z.string(),
  /** Order within this vault process: `GET /api/alerts?after=<seq>` returns the newer ones. */
  seq: z.number().int().positive(),
  kind: z.enum(['honeytoken']),
  time: z.string(),
  agentId: z.string(),
  agentIdentifier: z.string(),
  /** The decoy's name. */
  secretName: z.string(),
  method: z.string(),
  host: z.string(),
  /** As in the audit log: query values dropped, cut to 2,048 bytes. */
  path: z.string(),
});
export type Alert = z.infer<typeof AlertSchema>;
export type NewAlert = Omit<Alert, 'id' | 'seq' | 'time'>;
