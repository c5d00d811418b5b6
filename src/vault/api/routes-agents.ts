import { NanoclawError } from '../../common/errors.js';
import type { Agent } from '../model/records.js';
import type { AgentWithToken, VaultStore } from '../store/types.js';
import { notFound } from './api-errors.js';
import { readJsonBody, sendJson } from './http-io.js';
import type { Route } from './router.js';
import {
  CreateAgentBodySchema,
  SetAgentSecretsBodySchema,
  SetSecretModeBodySchema,
  UpdateAgentBodySchema,
} from './schemas.js';
import { parseOr400 } from './validate.js';

/** Agents are addressed by id, or by identifier for the launcher's convenience. */
function mustGet(store: VaultStore, ref: string): Agent {
  const agent = store.agents.get(ref) ?? store.agents.getByIdentifier(ref);
  if (!agent) throw notFound('agent', ref);
  return agent;
}

const withToken = ({ agent, token }: AgentWithToken) => ({ ...agent, token });

function setSecretIds(store: VaultStore, agentId: string, ids: string[]): string[] {
  try {
    return store.agents.setSecretIds(agentId, ids) ?? [];
  } catch (err) {
    if (err instanceof NanoclawError && err.code === 'not_found') {
      throw new NanoclawError('validation_error', `body.secretIds: ${err.message}`, {
        details: { field: 'secretIds' },
        hint: 'List secret ids with: ncl secrets list',
      });
    }
    throw err;
  }
}

/** `/v1/agents` and their grants. Tokens appear only in create and regenerate responses. */
export function agentRoutes(store: VaultStore): Route[] {
  return [
    { method: 'GET', path: '/v1/agents', handler: ({ res }) => sendJson(res, 200, { data: store.agents.list() }) },
    {
      method: 'POST',
      path: '/v1/agents',
      handler: async ({ req, res }) => {
        const body = parseOr400(CreateAgentBodySchema, await readJsonBody(req));
        sendJson(res, 201, withToken(store.agents.create(body)));
      },
    },
    { method: 'GET', path: '/v1/agents/:id', handler: ({ res, params }) => sendJson(res, 200, mustGet(store, params.id!)) },
    {
      method: 'PATCH',
      path: '/v1/agents/:id',
      handler: async ({ req, res, params }) => {
        const agent = mustGet(store, params.id!);
        const patch = parseOr400(UpdateAgentBodySchema, await readJsonBody(req));
        sendJson(res, 200, store.agents.update(agent.id, patch));
      },
    },
    {
      method: 'DELETE',
      path: '/v1/agents/:id',
      handler: ({ res, params }) => {
        const agent = mustGet(store, params.id!);
        store.agents.delete(agent.id);
        sendJson(res, 200, { id: agent.id, deleted: true });
      },
    },
    {
      method: 'POST',
      path: '/v1/agents/:id/regenerate-token',
      handler: ({ res, params }) => {
        const agent = mustGet(store, params.id!);
        const regenerated = store.agents.regenerateToken(agent.id);
        if (!regenerated) throw notFound('agent', agent.id);
        sendJson(res, 200, withToken(regenerated));
      },
    },
    {
      method: 'GET',
      path: '/v1/agents/:id/secrets',
      handler: ({ res, params }) => {
        const agent = mustGet(store, params.id!);
        sendJson(res, 200, { data: store.agents.getSecretIds(agent.id) ?? [] });
      },
    },
    {
      method: 'PUT',
      path: '/v1/agents/:id/secrets',
      handler: async ({ req, res, params }) => {
        const agent = mustGet(store, params.id!);
        const { secretIds } = parseOr400(SetAgentSecretsBodySchema, await readJsonBody(req));
        sendJson(res, 200, { data: setSecretIds(store, agent.id, secretIds) });
      },
    },
    {
      method: 'GET',
      path: '/v1/agents/:id/secret-mode',
      handler: ({ res, params }) => {
        const agent = mustGet(store, params.id!);
        sendJson(res, 200, { id: agent.id, secretMode: agent.secretMode });
      },
    },
    ...(['PUT', 'PATCH'] as const).map(
      (method): Route => ({
        method,
        path: '/v1/agents/:id/secret-mode',
        handler: async ({ req, res, params }) => {
          const agent = mustGet(store, params.id!);
          const { mode } = parseOr400(SetSecretModeBodySchema, await readJsonBody(req));
          const updated = store.agents.update(agent.id, { secretMode: mode });
          sendJson(res, 200, { id: agent.id, secretMode: updated?.secretMode ?? mode });
        },
      }),
    ),
  ];
}
