import { NanoclawError } from '../../common/errors.js';
import type { VaultStore } from '../store/types.js';
import { CreateApproverBodySchema } from './approval-schemas.js';
import { notFound } from './api-errors.js';
import { readJsonBody, sendJson } from './http-io.js';
import type { Route } from './router.js';
import { parseOr400 } from './validate.js';

/** `/api/approvers`: who is asked, in order (group admins, global admins, owners). */
export function approverRoutes(store: VaultStore): Route[] {
  return [
    { method: 'GET', path: '/api/approvers', handler: ({ res }) => sendJson(res, 200, { data: store.approvers.list() }) },
    {
      method: 'POST',
      path: '/api/approvers',
      handler: async ({ req, res }) => {
        const body = parseOr400(CreateApproverBodySchema, await readJsonBody(req));
        const agentIds = body.agentIds.map((ref) => {
          const agent = store.agents.get(ref) ?? store.agents.getByIdentifier(ref);
          if (!agent) {
            throw new NanoclawError('validation_error', `body.agentIds: no agent "${ref}"`, {
              details: { field: 'agentIds' },
              hint: 'List them with: ncl agents list',
            });
          }
          return agent.id;
        });
        sendJson(res, 201, store.approvers.create({ ...body, agentIds }));
      },
    },
    {
      method: 'DELETE',
      path: '/api/approvers/:id',
      handler: ({ res, params }) => {
        if (!store.approvers.delete(params.id!)) throw notFound('approver', params.id!);
        sendJson(res, 200, { id: params.id!, deleted: true });
      },
    },
  ];
}
