import type { IncomingMessage, ServerResponse } from 'node:http';
import { NanoclawError } from '../../common/errors.js';
import { DecisionSchema } from '../model/approvals.js';
import type { ApprovalService, Decider, DecideResult } from '../approvals/types.js';
import type { VaultStore } from '../store/types.js';
import { notFound } from './api-errors.js';
import { AlertQuerySchema, ApprovalListQuerySchema, PendingQuerySchema } from './approval-schemas.js';
import { readJsonBody, sendJson } from './http-io.js';
import type { Route } from './router.js';
import { parseOr400 } from './validate.js';

const CLIENT_HEADER = 'x-nanoclaw-client';
const CLIENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The host client's name from `x-nanoclaw-client`; null when absent (an owner: CLI, dashboard, unnamed client). */
export function clientName(req: IncomingMessage): string | null {
  const raw = req.headers[CLIENT_HEADER];
  if (raw === undefined || raw === '') return null;
  const name = Array.isArray(raw) ? raw[0] : raw;
  if (name === undefined || !CLIENT_NAME.test(name)) {
    throw new NanoclawError('validation_error', `${CLIENT_HEADER} must be 1-64 letters, digits, ., _ or -`, { details: { field: CLIENT_HEADER } });
  }
  return name;
}

/** Agent scope of a poll: ids or identifiers; an unknown one stays in the list so the scope never widens to everything. */
function agentScope(store: VaultStore, refs: string[]): string[] {
  return refs.map((ref) => store.agents.get(ref)?.id ?? store.agents.getByIdentifier(ref)?.id ?? `unknown:${ref}`);
}

/** An AbortSignal that fires when the client goes away before the answer is written. */
function disconnectSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

function sendDecision(res: ServerResponse, id: string, r: DecideResult): void {
  switch (r.result) {
    case 'ok':
      return sendJson(res, 200, { data: r.approval, grant: r.grant });
    case 'not_found':
      throw notFound('approval', id);
    case 'forbidden':
      throw new NanoclawError('forbidden', `Approval ${id} was not routed to this client`, { details: { status: 403 } });
    case 'expired':
      throw new NanoclawError('approval_expired', `Approval ${id} is ${r.approval.status}: ${r.approval.reason ?? 'no longer pending'}`, {
        details: { status: 410 },
        hint: 'The held request has ended; the agent has to send it again',
      });
    case 'already_decided':
      throw new NanoclawError('approval_already_decided', `Approval ${id} was already ${r.approval.status}`, {
        details: { status: 409 },
        hint: `See it with: ncl approvals get ${id}`,
      });
  }
}

/** `/api/approvals`: the host-side long-poll and decision endpoints (OneCLI-compatible), listing and grants. */
export function approvalRoutes({ store, approvals }: { store: VaultStore; approvals: ApprovalService }): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/approvals/pending',
      handler: async ({ req, res, query }) => {
        const { timeout } = parseOr400(PendingQuerySchema, { timeout: query.get('timeout') ?? undefined }, 'query');
        const scope = { clientName: clientName(req), agentIds: agentScope(store, query.getAll('agent').filter(Boolean)) };
        const data = await approvals.waitForPending(scope, timeout * 1000, disconnectSignal(res));
        if (!res.destroyed) sendJson(res, 200, { data });
      },
    },
    {
      // Host clients long-poll it beside /pending: alerts (a honeytoken was used) have nothing to decide.
      method: 'GET',
      path: '/api/alerts',
      handler: async ({ res, query }) => {
        const { after, timeout } = parseOr400(AlertQuerySchema, { after: query.get('after') ?? undefined, timeout: query.get('timeout') ?? undefined }, 'query');
        const scope = { after, agentIds: agentScope(store, query.getAll('agent').filter(Boolean)) };
        const data = await approvals.waitForAlerts(scope, timeout * 1000, disconnectSignal(res));
        if (!res.destroyed) sendJson(res, 200, { data });
      },
    },
    {
      method: 'GET',
      path: '/api/approvals/grants',
      handler: ({ res }) => sendJson(res, 200, { data: approvals.listGrants() }),
    },
    {
      method: 'DELETE',
      path: '/api/approvals/grants/:id',
      handler: ({ res, params }) => {
        if (!approvals.revokeGrant(params.id!)) {
          throw new NanoclawError('not_found', `No approval grant with id ${params.id!}`, { hint: 'List them with: ncl approvals grants' });
        }
        sendJson(res, 200, { id: params.id!, deleted: true });
      },
    },
    {
      method: 'GET',
      path: '/api/approvals',
      handler: ({ res, query }) => {
        const q = parseOr400(ApprovalListQuerySchema, Object.fromEntries(query), 'query');
        sendJson(res, 200, { data: approvals.list(q) });
      },
    },
    {
      method: 'GET',
      path: '/api/approvals/:id',
      handler: ({ res, params }) => {
        const approval = approvals.get(params.id!);
        if (!approval) throw notFound('approval', params.id!);
        sendJson(res, 200, approval);
      },
    },
    {
      method: 'POST',
      path: '/api/approvals/:id/decision',
      handler: async ({ req, res, params }) => {
        const decision = parseOr400(DecisionSchema, await readJsonBody(req));
        const name = clientName(req);
        const by: Decider = name === null ? { kind: 'owner', name: ownerName(req) } : { kind: 'host_client', name };
        sendDecision(res, params.id!, approvals.decide(params.id!, decision, by));
      },
    },
  ];
}

/** Who an owner is, for decidedBy: the CLI and dashboard say so in `x-nanoclaw-actor`; anything else is "api". */
function ownerName(req: IncomingMessage): string {
  const actor = req.headers['x-nanoclaw-actor'];
  return typeof actor === 'string' && /^[A-Za-z0-9:._-]{1,64}$/.test(actor) ? actor : 'api';
}
