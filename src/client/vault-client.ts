import type { z } from 'zod';
import { errorMessage, NanoclawError } from '../common/errors.js';
import { PARSE_ONCE } from '../common/parse-once.js';
import { mergeGrants } from './grant-merge.js';
import { httpSend, type HttpAnswer } from './http-send.js';
import type { ApprovalStatus, CreateApproverBody, CreateRuleBody, Decision } from '../vault/api/approval-schemas.js';
import { AgentWithTokenSchema, ApiErrorSchema, ContainerConfigSchema } from '../vault/api/agent-schemas.js';
import type { CreateAgentBody, CreateSecretBody, UpdateAgentBody, UpdateSecretBody } from '../vault/api/schemas.js';
import { AgentSchema, type SecretMode } from '../vault/model/agent-record.js';
import type { AuditQuery } from '../vault/model/records.js';

export interface VaultClientOptions {
  /** ONECLI_URL, e.g. http://127.0.0.1:10254 */
  url: string;
  /** ONECLI_API_KEY; health works without it. */
  apiKey?: string;
  timeoutMs?: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Per-request extras: headers (a host client's name, who decides) and a longer timeout for long-polls. */
export interface RequestOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface PendingApprovalsQuery {
  /** Agent identifiers (or ids) this client answers for; none = every agent. */
  agents?: string[];
  /** How long the vault may hold the poll, 0..30 s (default 30). */
  timeoutSeconds?: number;
  /** Sent as x-nanoclaw-client: the client then sees only approvals routed to that name. */
  clientName?: string;
}

/**
 * A schema of a module loaded when a command first parses one of its answers: `ncl launch` talks
 * to the vault too, and builds only the agent's schemas (agent-record.ts, agent-schemas.ts), not
 * those of secrets, audit, approvals, rules and approvers it never parses.
 */
const later =
  <M>(load: () => Promise<M>) =>
  <T extends z.ZodType>(pick: (m: M) => T): (() => Promise<T>) =>
  async () =>
    pick(await load());
const apiSchema = later(() => import('../vault/api/schemas.js'));
const modelSchema = later(() => import('../vault/model/records.js'));
const approvalSchema = later(() => import('../vault/api/approval-schemas.js'));

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
    return this.call('GET', '/api/health', apiSchema((m) => m.HealthSchema));
  }
  listSecrets() {
    return this.call('GET', '/v1/secrets', apiSchema((m) => m.SecretListSchema));
  }
  getSecret(id: string) {
    return this.call('GET', `/v1/secrets/${enc(id)}`, apiSchema((m) => m.SecretSchema));
  }
  createSecret(body: CreateSecretBody) {
    return this.call('POST', '/v1/secrets', apiSchema((m) => m.SecretSchema), body);
  }
  updateSecret(id: string, body: UpdateSecretBody) {
    return this.call('PATCH', `/v1/secrets/${enc(id)}`, apiSchema((m) => m.SecretSchema), body);
  }
  deleteSecret(id: string) {
    return this.call('DELETE', `/v1/secrets/${enc(id)}`, apiSchema((m) => m.DeletedSchema));
  }
  listAgents() {
    return this.call('GET', '/v1/agents', apiSchema((m) => m.AgentListSchema));
  }
  getAgent(id: string) {
    return this.call('GET', `/v1/agents/${enc(id)}`, AgentSchema);
  }
  createAgent(body: CreateAgentBody) {
    return this.call('POST', '/v1/agents', AgentWithTokenSchema, body);
  }
  deleteAgent(id: string) {
    return this.call('DELETE', `/v1/agents/${enc(id)}`, apiSchema((m) => m.DeletedSchema));
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
    return this.call('GET', `/v1/agents/${enc(id)}/secrets`, apiSchema((m) => m.AgentSecretIdsSchema));
  }
  setAgentSecrets(id: string, secretIds: string[]) {
    return this.call('PUT', `/v1/agents/${enc(id)}/secrets`, apiSchema((m) => m.AgentSecretIdsSchema), { secretIds });
  }
  /**
   * Adds grants, keeping every one the agent has (the read-merge-write NanoClaw does by hand).
   * Writes only when something is added; `after` is what the vault then holds.
   */
  async grantAgentSecrets(id: string, secretIds: readonly string[]): Promise<{ before: string[]; after: string[]; added: string[] }> {
    const before = (await this.getAgentSecrets(id)).data;
    const merged = mergeGrants(before, secretIds);
    const after = merged.changed ? (await this.setAgentSecrets(id, merged.ids)).data : before;
    return { before, after, added: merged.ids.filter((s) => !before.includes(s)) };
  }
  setSecretMode(id: string, mode: SecretMode) {
    return this.call('PUT', `/v1/agents/${enc(id)}/secret-mode`, apiSchema((m) => m.SecretModeResponseSchema), { mode });
  }
  listAudit(query: Partial<AuditQuery> = {}) {
    const qs = new URLSearchParams(
      Object.entries(query)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    return this.call('GET', `/v1/audit${qs ? `?${qs}` : ''}`, apiSchema((m) => m.AuditPageSchema));
  }
  verifyAudit() {
    return this.call('GET', '/v1/audit/verify', modelSchema((m) => m.AuditVerifyReportSchema));
  }
  listApprovals(query: { status?: ApprovalStatus; limit?: number } = {}) {
    const qs = new URLSearchParams();
    if (query.status) qs.set('status', query.status);
    if (query.limit !== undefined) qs.set('limit', String(query.limit));
    const suffix = qs.size > 0 ? `?${qs}` : '';
    return this.call('GET', `/api/approvals${suffix}`, approvalSchema((m) => m.ApprovalListSchema));
  }
  getApproval(id: string) {
    return this.call('GET', `/api/approvals/${enc(id)}`, approvalSchema((m) => m.ApprovalSchema));
  }
  /** Approves or denies; `actor` is recorded as decidedBy (the CLI says "cli"). */
  decideApproval(id: string, decision: Decision, actor?: string) {
    const headers: Record<string, string> = actor ? { 'x-nanoclaw-actor': actor } : {};
    return this.call('POST', `/api/approvals/${enc(id)}/decision`, approvalSchema((m) => m.DecisionResponseSchema), decision, { headers });
  }
  /** Long-polls for approvals waiting on this client (resolves with [] when none came in time). */
  pendingApprovals(query: PendingApprovalsQuery = {}) {
    const timeoutSeconds = query.timeoutSeconds ?? 30;
    const qs = new URLSearchParams([...(query.agents ?? []).map((a): [string, string] => ['agent', a]), ['timeout', String(timeoutSeconds)]]);
    const headers: Record<string, string> = query.clientName ? { 'x-nanoclaw-client': query.clientName } : {};
    return this.call('GET', `/api/approvals/pending?${qs}`, approvalSchema((m) => m.ApprovalListSchema), undefined, { headers, timeoutMs: (timeoutSeconds + 15) * 1000 });
  }
  /** Alerts (a honeytoken was used) newer than `after`; with `timeoutSeconds`, long-polls for the next ones. */
  listAlerts(query: { after?: number; agents?: string[]; timeoutSeconds?: number } = {}) {
    const timeoutSeconds = query.timeoutSeconds ?? 0;
    const qs = new URLSearchParams([...(query.agents ?? []).map((a): [string, string] => ['agent', a]), ['after', String(query.after ?? 0)], ['timeout', String(timeoutSeconds)]]);
    return this.call('GET', `/api/alerts?${qs}`, approvalSchema((m) => m.AlertListSchema), undefined, { timeoutMs: (timeoutSeconds + 15) * 1000 });
  }
  listApprovalGrants() {
    return this.call('GET', '/api/approvals/grants', approvalSchema((m) => m.ApprovalGrantListSchema));
  }
  revokeApprovalGrant(id: string) {
    return this.call('DELETE', `/api/approvals/grants/${enc(id)}`, apiSchema((m) => m.DeletedSchema));
  }
  listRules() {
    return this.call('GET', '/api/rules', approvalSchema((m) => m.RuleListSchema));
  }
  createRule(body: CreateRuleBody) {
    return this.call('POST', '/api/rules', approvalSchema((m) => m.PolicyRuleSchema), body);
  }
  deleteRule(id: string) {
    return this.call('DELETE', `/api/rules/${enc(id)}`, apiSchema((m) => m.DeletedSchema));
  }
  listApprovers() {
    return this.call('GET', '/api/approvers', approvalSchema((m) => m.ApproverListSchema));
  }
  createApprover(body: CreateApproverBody) {
    return this.call('POST', '/api/approvers', approvalSchema((m) => m.ApproverSchema), body);
  }
  deleteApprover(id: string) {
    return this.call('DELETE', `/api/approvers/${enc(id)}`, apiSchema((m) => m.DeletedSchema));
  }
  async gatewayCa(): Promise<string> {
    const res = await this.send('GET', '/v1/gateway/ca');
    if (!res.ok) throw await apiError(res, this.url);
    return res.text();
  }

  /** Sends one request and parses the answer with `schema` (or the schema a loader gives); API errors become NanoclawErrors. */
  async call<T extends z.ZodType>(
    method: Method,
    path: string,
    schema: T | (() => Promise<T>),
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<z.infer<T>> {
    const res = await this.send(method, path, body, options);
    if (!res.ok) throw await apiError(res, this.url);
    const parsed = (typeof schema === 'function' ? await schema() : schema).safeParse(await res.json().catch(() => undefined), PARSE_ONCE);
    if (!parsed.success) {
      throw new NanoclawError('bad_vault_response', `The vault at ${this.url} sent an unexpected answer to ${method} ${path}`, {
        hint: 'Check that ONECLI_URL points at a nanoclaw or OneCLI vault of a compatible version',
      });
    }
    return parsed.data;
  }

  private async send(method: Method, path: string, body?: unknown, options: RequestOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers, accept: 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await httpSend(this.url + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
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

async function apiError(res: HttpAnswer, url: string): Promise<NanoclawError> {
  const parsed = ApiErrorSchema.safeParse(await res.json().catch(() => undefined), PARSE_ONCE);
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
