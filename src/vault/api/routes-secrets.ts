import { NanoclawError } from '../../common/errors.js';
import type { VaultStore } from '../store/types.js';
import type { Secret } from '../model/records.js';
import { notFound } from './api-errors.js';
import { newSecret } from './new-secret.js';
import { readJsonBody, sendJson } from './http-io.js';
import type { Route } from './router.js';
import { CreateSecretBodySchema, UpdateSecretBodySchema } from './schemas.js';
import { parseOr400 } from './validate.js';
import { oauthValueProblem } from '../oauth/oauth-value.js';

function mustGet(store: VaultStore, id: string): Secret {
  const secret = store.secrets.get(id) ?? store.secrets.getByName(id);
  if (!secret) throw notFound('secret', id);
  return secret;
}

function requireInjectionForGeneric(type: string, injection: unknown): void {
  if (type === 'generic' && !injection) {
    throw new NanoclawError('validation_error', 'body.injectionConfig: is required for type generic', {
      details: { field: 'injectionConfig' },
    });
  }
}

/** A secret that is (or becomes) oauth2 needs a value the refresher reads: a new one, or the one it has. */
function requireOAuthValue(o: { type: string; wasOAuth: boolean; value: string | undefined }): void {
  if (o.type !== 'oauth2' || (o.wasOAuth && o.value === undefined)) return;
  const problem = oauthValueProblem(o.value ?? '');
  if (problem) throw new NanoclawError('validation_error', `body.value: ${problem}`, { details: { field: 'value' } });
}

/** A honeytoken turned into a real secret needs a real value: its made-up one must never be sent. */
function requireValueForFormerDecoy(type: string, patch: { type?: string; value?: string }): void {
  if (type === 'honeytoken' && patch.type !== undefined && patch.type !== 'honeytoken' && patch.value === undefined) {
    throw new NanoclawError('validation_error', 'body.value: is required to turn a honeytoken into a real secret (its made-up value is never sent)', {
      details: { field: 'value' },
      hint: 'Give the real value too: ncl secrets update --id <id> --type <type> --value-stdin',
    });
  }
}

/** `/v1/secrets`: metadata only. No response ever carries a value. */
export function secretRoutes(store: VaultStore): Route[] {
  return [
    { method: 'GET', path: '/v1/secrets', handler: ({ res }) => sendJson(res, 200, { data: store.secrets.list() }) },
    {
      method: 'POST',
      path: '/v1/secrets',
      handler: async ({ req, res }) => {
        const body = parseOr400(CreateSecretBodySchema, await readJsonBody(req));
        sendJson(res, 201, store.secrets.create(newSecret(body)));
      },
    },
    { method: 'GET', path: '/v1/secrets/:id', handler: ({ res, params }) => sendJson(res, 200, mustGet(store, params.id!)) },
    ...(['PATCH', 'PUT'] as const).map(
      (method): Route => ({
        method,
        path: '/v1/secrets/:id',
        handler: async ({ req, res, params }) => {
          const current = mustGet(store, params.id!);
          const patch = parseOr400(UpdateSecretBodySchema, await readJsonBody(req));
          const injection = patch.injectionConfig === undefined ? current.injectionConfig : patch.injectionConfig;
          requireInjectionForGeneric(patch.type ?? current.type, injection);
          requireOAuthValue({ type: patch.type ?? current.type, wasOAuth: current.type === 'oauth2', value: patch.value });
          requireValueForFormerDecoy(current.type, patch);
          sendJson(res, 200, store.secrets.update(current.id, patch));
        },
      }),
    ),
    {
      method: 'DELETE',
      path: '/v1/secrets/:id',
      handler: ({ res, params }) => {
        const current = mustGet(store, params.id!);
        store.secrets.delete(current.id);
        sendJson(res, 200, { id: current.id, deleted: true });
      },
    },
  ];
}
