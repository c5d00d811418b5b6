import { NanoclawError } from '../../common/errors.js';
import type { VaultStore } from '../store/types.js';
import { CreateRuleBodySchema } from './approval-schemas.js';
import { notFound } from './api-errors.js';
import { readJsonBody, sendJson } from './http-io.js';
import type { Route } from './router.js';
import { parseOr400 } from './validate.js';

function unknownRef(field: string, ref: string, list: string): NanoclawError {
  return new NanoclawError('validation_error', `body.${field}: no ${field === 'agentId' ? 'agent' : 'secret'} "${ref}"`, {
    details: { field },
    hint: `List them with: ncl ${list} list`,
  });
}

/** `/api/rules`: policy rules the gateway applies (block, rate_limit, manual_approval). */
export function ruleRoutes(store: VaultStore): Route[] {
  return [
    { method: 'GET', path: '/api/rules', handler: ({ res }) => sendJson(res, 200, { data: store.rules.list() }) },
    {
      method: 'POST',
      path: '/api/rules',
      handler: async ({ req, res }) => {
        const body = parseOr400(CreateRuleBodySchema, await readJsonBody(req));
        // Rules match on ids; people type identifiers and names, so both are accepted here.
        const agent = body.agentId === undefined ? undefined : (store.agents.get(body.agentId) ?? store.agents.getByIdentifier(body.agentId));
        if (body.agentId !== undefined && !agent) throw unknownRef('agentId', body.agentId, 'agents');
        const secret = body.secretId === undefined ? undefined : (store.secrets.get(body.secretId) ?? store.secrets.getByName(body.secretId));
        if (body.secretId !== undefined && !secret) throw unknownRef('secretId', body.secretId, 'secrets');
        const { agentId: _a, secretId: _s, ...rest } = body;
        const rule = store.rules.create({ ...rest, ...(agent ? { agentId: agent.id } : {}), ...(secret ? { secretId: secret.id } : {}) });
        sendJson(res, 201, rule);
      },
    },
    {
      method: 'GET',
      path: '/api/rules/:id',
      handler: ({ res, params }) => {
        const rule = store.rules.get(params.id!);
        if (!rule) throw notFound('rule', params.id!);
        sendJson(res, 200, rule);
      },
    },
    {
      method: 'DELETE',
      path: '/api/rules/:id',
      handler: ({ res, params }) => {
        if (!store.rules.delete(params.id!)) throw notFound('rule', params.id!);
        sendJson(res, 200, { id: params.id!, deleted: true });
      },
    },
  ];
}
