import type {
  Agent,
  AuditEntry,
  AuditQuery,
  AuditVerifyReport,
  EgressPolicy,
  InjectionConfig,
  NewAuditEntry,
  Secret,
  SecretMode,
  SecretType,
} from '../model/records.js';
import type { Approval, ApprovalGrant, ApprovalStatus, Approver, NewApprover } from '../model/approvals.js';
import type { PolicyRule, RateCounter } from '../model/policy-rule.js';

/** What `subscribeChanges` reports when any table may have changed. */
export const ANY_TABLE = '*';

/** What the rest of the vault may ask of the store. Implemented by `openStore()` in store.ts. */

export interface NewSecret {
  name: string;
  type: SecretType;
  value: string;
  hostPattern: string;
  pathPattern?: string | null;
  injectionConfig?: InjectionConfig | null;
}

export interface SecretPatch {
  name?: string;
  type?: SecretType;
  /** Rotates the value: re-encrypted with a fresh nonce. */
  value?: string;
  hostPattern?: string;
  pathPattern?: string | null;
  injectionConfig?: InjectionConfig | null;
}

export interface NewAgent {
  name: string;
  identifier: string;
  secretMode?: SecretMode;
}

export interface AgentPatch {
  name?: string;
  secretMode?: SecretMode;
  egressPolicy?: EgressPolicy;
  allowHosts?: string[];
}

/** An agent with its one-time token: returned only by create and regenerate. */
export interface AgentWithToken {
  agent: Agent;
  token: string;
}

export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

export interface AuditPage {
  data: AuditEntry[];
  total: number;
  limit: number;
  offset: number;
}

export interface SecretStore {
  list(): Secret[];
  get(id: string): Secret | null;
  getByName(name: string): Secret | null;
  /** Throws NanoclawError code `conflict` when the name is taken. */
  create(input: NewSecret): Secret;
  /** Returns null when there is no such secret. */
  update(id: string, patch: SecretPatch): Secret | null;
  delete(id: string): boolean;
  /** Decrypts a value for injection. Registers it with the redactor before returning it. */
  reveal(id: string): string | null;
  markUsed(id: string, at?: Date): void;
}

export interface AgentStore {
  list(): Agent[];
  get(id: string): Agent | null;
  getByIdentifier(identifier: string): Agent | null;
  /** Token: `aoc_` + 64 hex; only its SHA-256 is stored. Throws `conflict` on a taken identifier. */
  create(input: NewAgent): AgentWithToken;
  update(id: string, patch: AgentPatch): Agent | null;
  delete(id: string): boolean;
  regenerateToken(id: string): AgentWithToken | null;
  /** Constant-time lookup by token hash; null when no agent has it. */
  findByToken(token: string): Agent | null;
  /** Secret ids granted explicitly (meaningful when secretMode is `selective`). */
  getSecretIds(id: string): string[] | null;
  /** Replaces the explicit grants; throws `not_found` naming any unknown secret id. */
  setSecretIds(id: string, secretIds: string[]): string[] | null;
  /** Every secret this agent may use: all secrets in mode `all`, else its grants. */
  grantedSecrets(id: string): Secret[];
}

export interface AuditStore {
  append(entry: NewAuditEntry): AuditEntry;
  /** Appends a batch in one transaction (the gateway's audit writer). */
  appendMany(entries: NewAuditEntry[]): void;
  list(query: AuditQuery): AuditPage;
  /** Deletes up to `batch` of the oldest rows older than `before` (ISO time) and records the boundary; returns how many went. */
  prune(o: { before: string; batch: number }): number;
  /** Replaces the whole log (a restore), keeping ids and chaining the rows anew. */
  replaceAll(entries: AuditEntry[]): void;
  /** Walks the hash chain from the pruning boundary to the newest row (audit-chain.ts). */
  verify(): AuditVerifyReport;
  /**
   * Returns once every batch sent before is written (SQLite writes them on a thread of its own;
   * on Postgres they run in order anyway). The calls above do it themselves; a transaction that
   * reads the log calls it before it begins, since the writer cannot write while it holds the lock.
   */
  settle(): void;
}

/** A policy rule before the store gives it an id. */
export type NewPolicyRule = Omit<PolicyRule, 'id'>;

export interface RuleStore {
  /** Every rule, oldest first. Cached in memory and re-read only after a write (here or by another connection). */
  list(): PolicyRule[];
  get(id: string): PolicyRule | null;
  create(input: NewPolicyRule): PolicyRule;
  delete(id: string): boolean;
}

/** What the approval service records when it holds a request; the row starts `pending`. */
export type NewApproval = Omit<Approval, 'status' | 'reason' | 'decidedBy' | 'decidedAt' | 'kind'> & { kind?: Approval['kind'] };

export interface ApprovalSettlement {
  status: Exclude<ApprovalStatus, 'pending'>;
  reason: string | null;
  decidedBy: string | null;
  decidedAt: string;
}

export interface ApprovalStore {
  create(input: NewApproval): Approval;
  get(id: string): Approval | null;
  /** Newest first; default limit 100. */
  list(query?: { status?: ApprovalStatus; limit?: number }): Approval[];
  setRoutedTo(id: string, routedTo: string | null): Approval | null;
  /** Ends a pending approval; null when it is unknown or no longer pending (so two deciders cannot both win). */
  settle(id: string, settlement: ApprovalSettlement): Approval | null;
}

export interface ApprovalGrantStore {
  create(input: Omit<ApprovalGrant, 'id' | 'createdAt'>): ApprovalGrant;
  /** Grants that have not expired at `now` (ISO), newest first. */
  listLive(now: string): ApprovalGrant[];
  /** Live grants of one agent, method and host: the candidates a request may be covered by. */
  candidates(query: { agentId: string; method: string; host: string; now: string }): ApprovalGrant[];
  delete(id: string): boolean;
}

export interface ApproverStore {
  list(): Approver[];
  get(id: string): Approver | null;
  create(input: NewApprover): Approver;
  delete(id: string): boolean;
}

export interface VaultStore {
  /** Where the vault lives: the SQLite file (default) or Postgres (NANOCLAW_DATABASE_URL). */
  readonly kind: 'sqlite' | 'postgres';
  /** The SQLite file, or the database URL without its password. */
  readonly path: string;
  readonly secrets: SecretStore;
  readonly agents: AgentStore;
  readonly audit: AuditStore;
  /** Policy rules (block, rate_limit, manual_approval) the gateway applies. */
  readonly rules: RuleStore;
  readonly approvals: ApprovalStore;
  readonly approvalGrants: ApprovalGrantStore;
  readonly approvers: ApproverStore;
  /** The vault CA; the private key is stored encrypted. */
  getCa(): CaMaterial | null;
  setCa(ca: CaMaterial): void;
  /** The CA, made with `make` and stored first when there is none: replicas starting at once agree on one. */
  ensureCa(make: () => CaMaterial): CaMaterial;
  /** Settings rows (non-secret), e.g. the API key hash. */
  getSetting(key: string): string | null;
  setSetting(key: string, value: string): void;
  /** Sets `key` only when it has no value; true when this call set it. */
  addSetting(key: string, value: string): boolean;
  /** Whole-vault export and import, for backup and restore. */
  readonly snapshot: SnapshotStore;
  /**
   * Only where several vault processes share the store (Postgres): calls `listener`, on the event
   * loop, with the table each committed write changed, whichever process wrote it; ANY_TABLE
   * after the store reconnected, when changes may have gone unheard.
   */
  subscribeChanges?(listener: (table: string) => void): () => void;
  /** Only on a store shared by several vault processes (Postgres): rate limits counted across all of them. */
  readonly rateLimits?: RateCounter;
  close(): void;
}

/** A secret with its decrypted value: exists only in memory, between a store and a backup. */
export interface SnapshotSecret extends Secret {
  value: string;
}

export interface SnapshotAgent extends Agent {
  /** SHA-256 hex of the agent's token, so restored agents keep working with their tokens. */
  tokenHash: string;
}

export interface SnapshotGrant {
  agentId: string;
  secretId: string;
}

/** Everything a vault holds, values decrypted. Never written anywhere as it is. */
export interface VaultSnapshot {
  secrets: SnapshotSecret[];
  agents: SnapshotAgent[];
  grants: SnapshotGrant[];
  settings: { key: string; value: string }[];
  ca: CaMaterial | null;
  /** Absent in backups made before policy rules existed; import then leaves none. */
  rules?: PolicyRule[];
  approvers?: Approver[];
  /** Present only when asked for; absent on import leaves the current audit log alone. */
  audit?: AuditEntry[];
}

export interface SnapshotStore {
  /** Reads the whole vault in one read transaction; throws `vault_tampered` if any value fails to decrypt. */
  export(options?: { includeAudit?: boolean }): VaultSnapshot;
  /** Replaces the whole vault in one transaction, sealing every value under this store's key. */
  import(snapshot: VaultSnapshot): void;
}
