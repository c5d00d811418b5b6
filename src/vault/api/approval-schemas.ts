import { z } from 'zod';
import {
  AlertSchema,
  APPROVAL_STATUSES,
  ApprovalGrantSchema,
  ApprovalSchema,
  ApprovalStatusSchema,
  ApproverSchema,
  DecisionSchema,
  NewApproverSchema,
} from '../model/approvals.js';
import { PolicyRuleSchema, refineRule, RuleFieldsSchema } from '../model/policy-rule.js';

/** The REST contract of approvals, policy rules and approvers (re-exported by schemas.ts for the client). */

export const MAX_POLL_SECONDS = 30;

export const PendingQuerySchema = z.object({
  timeout: z.coerce.number().int().min(0).max(MAX_POLL_SECONDS).default(MAX_POLL_SECONDS),
});

/** `GET /api/alerts`: alerts newer than `after` (a seq); with a timeout, waits for the next ones. */
export const AlertQuerySchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  timeout: z.coerce.number().int().min(0).max(MAX_POLL_SECONDS).default(0),
});
export const AlertListSchema = z.object({ data: z.array(AlertSchema) });

export const ApprovalListQuerySchema = z.object({
  status: ApprovalStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const ApprovalListSchema = z.object({ data: z.array(ApprovalSchema) });
export const DecisionResponseSchema = z.object({ data: ApprovalSchema, grant: ApprovalGrantSchema.nullable() });
export const ApprovalGrantListSchema = z.object({ data: z.array(ApprovalGrantSchema) });

/** A new rule; `agentId` and `secretId` may also be an agent identifier or a secret name (the server resolves them). */
export const CreateRuleBodySchema = RuleFieldsSchema.superRefine(refineRule);
export type CreateRuleBody = z.input<typeof CreateRuleBodySchema>;
export const RuleListSchema = z.object({ data: z.array(PolicyRuleSchema) });

/** A new approver; `agentIds` may also hold agent identifiers. Group admins need agents, Telegram approvers a chat id. */
export const CreateApproverBodySchema = z.strictObject(NewApproverSchema.shape).superRefine((a, ctx) => {
  if (a.role === 'group_admin' && a.agentIds.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['agentIds'], message: 'a group_admin needs at least one agent' });
  }
  if (a.channel === 'telegram' && !/^-?\d{1,20}$/.test(a.address)) {
    ctx.addIssue({ code: 'custom', path: ['address'], message: 'a telegram approver needs the chat id (digits) as address' });
  }
  if (a.channel === 'host' && !/^[A-Za-z0-9._-]{0,64}$/.test(a.address)) {
    ctx.addIssue({ code: 'custom', path: ['address'], message: 'a host approver needs the client name (x-nanoclaw-client), or empty for unnamed clients' });
  }
});
export type CreateApproverBody = z.input<typeof CreateApproverBodySchema>;
export const ApproverListSchema = z.object({ data: z.array(ApproverSchema) });

export {
  APPROVAL_STATUSES,
  ApprovalGrantSchema,
  ApprovalSchema,
  ApproverSchema,
  DecisionSchema,
  PolicyRuleSchema,
};
export type { Alert, Approval, ApprovalGrant, ApprovalStatus, Approver, Decision } from '../model/approvals.js';
export type { PolicyRule } from '../model/policy-rule.js';
