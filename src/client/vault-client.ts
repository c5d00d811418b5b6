import type { z } from 'zod';
import { errorMessage, NanoclawError } from '../common/errors.js';
import {
  AgentListSchema,
  AgentSchema,
  AgentSecretIdsSchema,
  AgentWithTokenSchema,
  ApiErrorSchema,
  AuditPageSchema,
  ContainerConfigSchema,
  DeletedSchema,
  HealthSchema,
  SecretListSchema,
  SecretModeResponseSchema,
  SecretSchema,
  type CreateAgentBody,
  type CreateSecretBody,
  type UpdateAgentBody,
  type UpdateSecretBody,
} from '../vault/api/schemas.js';
import type { AuditQuery, SecretMode } from '../vault/model.js';

export interface VaultClientOptions {
  /** ONECLI_URL, e.g. http://127.0.0.1:10254 */
  url: string;
  /** ONECLI_API_KEY; health works without it. */
  apiKey?: string;
  timeoutMs?: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The typed client of the vault API: the only way modules outside the vault talk to it. */
export class VaultClient {
  readonly url: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: VaultClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  health() {
    return this.call('GET', '/api/health', HealthSchema);
  }
  listSecrets() {
    return this.call('GET', '/v1/secrets', SecretListSchema);
  }
  getSecret(id: string) {
    return this.call('GET', `/v1/secrets/${enc(id)}`, SecretSchema);
  }
  createSecret(body: CreateSecretBody) {
    return this.call('POST', '/v1/secrets', SecretSchema, body);
  }
  updateSecret(id: string, body: UpdateSecretBody) {
    return this.call('PATCH', `/v1/secrets/${enc(id)}`, SecretSchema, body);
  }
  deleteSecret(id: string) {
    return this.call('DELETE', `/v1/secrets/${enc(id)}`, DeletedSchema);
  }
  listAgents() {
    return this.call('GET', '/v1/agents', AgentListSchema);
  }
  getAgent(id: string) {
    return this.call('GET', `/v1/agents/${enc(id)}`, AgentSchema);
  }
  createAgent(body: CreateAgentBody) {
    return this.call('POST', '/v1/agents', AgentWithTokenSchema, body);
  }
  deleteAgent(id: string) {
    return this.call('DELETE', `/v1/agents/${enc(id)}`, DeletedSchema);
  }
  updateAgent(id: string, body: UpdateAgentBody) {
    return this.call('PATCH', `/v1/agents/${enc(id)}`, AgentSchema, body);
  }
  /** Env, CA and stubs for the agent's container; mints a fresh agent token (the previous one stops working). */
  containerConfig(agent: string) {
    return this.call('GET', `/v1/container-config?agent=${enc(agent)}`, ContainerConfigSchema);
  }
  regenerateAgentToken(id: string) {
    return this.call('POST', `/v1/agents/${enc(id)}/regenerate-token`, AgentWithTokenSchema);
  }
  getAgentSecrets(id: string) {
    return this.call('GET', `/v1/agents/${enc(id)}/secrets`, AgentSecretIdsSchema);
  }
  setAgentSecrets(id: string, secretIds: string[]) {
    return this.call('PUT', `/v1/agents/${enc(id)}/secrets`, AgentSecretIdsSchema, { secretIds });
  }
  setSecretMode(id: string, mode: SecretMode) {
    return this.call('PUT', `/v1/agents/${enc(id)}/secret-mode`, SecretModeResponseSchema, { mode });
  }
  listAudit(query: Partial<AuditQuery> = {}) {
    const qs = new URLSearchParams(
      Object.entries(query)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    return this.call('GET', `/v1/audit${qs ? `?${qs}` : ''}`, AuditPageSchema);
  }
  async gatewayCa(): Promise<string> {
    const res = await this.send('GET', '/v1/gateway/ca');
    if (!res.ok) throw await apiError(res, this.url);
    return res.text();
  }

  /** Sends one request and parses the answer with `schema`; API errors become NanoclawErrors. */
  async call<T extends z.ZodType>(method: Method, path: string, schema: T, body?: unknown): Promise<z.infer<T>> {
    const res = await this.send(method, path, body);
    if (!res.ok) throw await apiError(res, this.url);
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      throw new NanoclawError('bad_vault_response', `The vault at ${this.url} sent an unexpected answer to ${method} ${path}`, {
        hint: 'Check that ONECLI_URL points at a nanoclaw or OneCLI vault of a compatible version',
      });
    }
    return parsed.data;
  }

  private async send(method: Method, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(this.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause ?? err;
      throw new NanoclawError('vault_unreachable', `Cannot reach the vault at ${this.url} (${errorMessage(cause)})`, {
        hint: 'Start it with: ncl vault serve (or ncl vault up), or set ONECLI_URL in .env',
      });
    }
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

async function apiError(res: Response, url: string): Promise<NanoclawError> {
  const parsed = ApiErrorSchema.safeParse(await res.json().catch(() => undefined));
  const code = parsed.success ? parsed.data.code : `http_${res.status}`;
  const message = parsed.success ? parsed.data.message : `The vault answered HTTP ${res.status}`;
  const hint =
    res.status === 401
      ? 'Check ONECLI_API_KEY in .env (ncl vault rotate-api-key makes a new one)'
      : parsed.success
        ? parsed.data.hint
        : undefined;
  return new NanoclawError(code, message, {
    hint,
    details: { status: res.status, url, field: parsed.success ? parsed.data.field : undefined },
  });
}
