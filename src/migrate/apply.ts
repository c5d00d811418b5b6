import { NanoclawError } from '../common/errors.js';
import { removeEnvKeys, serializeEnvFile } from '../config/env-file.js';
import { updateEnvFile } from '../config/env-file-io.js';
import type { VaultClient } from '../client/vault-client.js';
import type { Secret } from '../vault/model/records.js';
import type { Checkpoint } from './crash-hook.js';
import { clearJournal, journalPath, writeJournal } from './journal.js';
import type { MigrationPlan, PlannedMove } from './migration-plan.js';
import type { MigrationEnv } from './read-env.js';

export interface ApplyOptions {
  client: VaultClient;
  envFile: string;
  plan: MigrationPlan;
  /** The `.env` the plan was made from: values come from it, and the file must still hold exactly its text. */
  env: MigrationEnv;
  /** Defaults to journalPath(envFile). */
  journalFile?: string;
  /** Called at every step boundary (the crash test kills the process there). */
  checkpoint?: Checkpoint;
}

export interface AppliedMove {
  key: string;
  secretName: string;
  secretId: string;
  hostPattern: string;
  action: PlannedMove['action'];
}

export interface ApplyResult {
  moved: AppliedMove[];
  /** Agents that got at least one new grant. */
  grantedTo: string[];
  agentCount: number;
  envRewritten: boolean;
}

const AGAIN = 'Run ncl init-onecli again: it picks up where this run stopped';

/**
 * Carries out a plan in the order that loses nothing: journal, then each secret written and read back,
 * then granted to every agent (added to its grants, never replacing them), and only then `.env`
 * rewritten once, atomically, without the moved keys. Killed at any point, `.env` holds either its
 * old bytes or its new ones, and every key gone from it is in the vault.
 */
export async function applyPlan(o: ApplyOptions): Promise<ApplyResult> {
  const { client, plan } = o;
  const step: Checkpoint = o.checkpoint ?? (() => {});
  const journal = o.journalFile ?? journalPath(o.envFile);
  if (plan.questions.length > 0) {
    throw new NanoclawError('plan_incomplete', `The migration plan still has ${plan.questions.length} open question(s)`, {
      hint: 'Answer them (see ncl init-onecli --dry-run), then run ncl init-onecli again',
    });
  }
  if (plan.moves.length === 0) {
    await clearJournal(journal);
    return { moved: [], grantedTo: [], agentCount: 0, envRewritten: false };
  }
  step('start');
  await writeJournal(journal, plan.vaultMoves.map((m) => ({ key: m.key, secretName: m.secretName })));
  step('journal-written');

  const moved: AppliedMove[] = [];
  for (const m of plan.vaultMoves) {
    const secret = await saveSecret(client, m, valueOf(o.env, m.key));
    step(`saved ${m.key}`);
    confirm(m, await client.getSecret(secret.id));
    moved.push({ key: m.key, secretName: secret.name, secretId: secret.id, hostPattern: secret.hostPattern, action: m.action });
    step(`confirmed ${m.key}`);
  }
  for (const m of plan.moves.filter((x) => x.action === 'alias')) {
    const served = moved.find((x) => x.key === m.aliasOf);
    if (served) moved.push({ ...served, key: m.key, action: 'alias' });
  }

  const ids = [...new Set(moved.map((m) => m.secretId))];
  const agents = (await client.listAgents()).data;
  const grantedTo: string[] = [];
  for (const agent of agents) {
    const { before, after, added } = await client.grantAgentSecrets(agent.id, ids);
    if (added.length > 0) {
      if (![...before, ...ids].every((id) => after.includes(id))) {
        throw new NanoclawError('grant_failed', `The vault did not keep the grants of agent ${agent.identifier}`, { hint: AGAIN });
      }
      grantedTo.push(agent.identifier);
    }
    step(`granted ${agent.identifier}`);
  }

  step('before-env-write');
  await updateEnvFile(o.envFile, (doc) => {
    if (serializeEnvFile(doc) !== o.env.text) {
      throw new NanoclawError('env_changed', `${o.envFile} changed while the migration ran, so it was left as it is`, {
        hint: `The vault already holds the keys. ${AGAIN}`,
      });
    }
    removeEnvKeys(doc, plan.keysToRemove);
  });
  step('env-written');
  await clearJournal(journal);
  step('done');
  return { moved, grantedTo, agentCount: agents.length, envRewritten: true };
}

function valueOf(env: MigrationEnv, key: string): string {
  const value = env.doc.get(key);
  if (!value) throw new NanoclawError('plan_mismatch', `${key} has no value in the .env the plan was made from`, { hint: AGAIN });
  return value;
}

async function saveSecret(client: VaultClient, m: PlannedMove, value: string): Promise<Secret> {
  const injection = m.injectionConfig ? { injectionConfig: m.injectionConfig } : {};
  if (m.action === 'create') {
    try {
      return await client.createSecret({ name: m.secretName, type: m.type, value, hostPattern: m.hostPattern, ...injection });
    } catch (err) {
      if (err instanceof NanoclawError && err.code === 'conflict') {
        throw new NanoclawError('conflict', `A secret named "${m.secretName}" appeared in the vault while the migration ran`, {
          hint: `${AGAIN}, and answer the question about it (or pass --overwrite / --skip)`,
          cause: err,
        });
      }
      throw err;
    }
  }
  // rotate and resume: the value from .env wins, with the metadata the plan chose; the name is kept.
  return client.updateSecret(m.existingId!, {
    value,
    type: m.type,
    hostPattern: m.hostPattern,
    pathPattern: null,
    injectionConfig: m.injectionConfig,
  });
}

/** Reads a secret's metadata back: the migration removes a key from .env only once the vault shows it. */
function confirm(m: PlannedMove, secret: Secret): void {
  if (secret.name !== m.secretName || secret.type !== m.type || secret.hostPattern !== m.hostPattern) {
    throw new NanoclawError('migration_unconfirmed', `The vault does not show secret "${m.secretName}" as written (${m.key} stays in .env)`, {
      hint: `Check it with: ncl secrets get --id "${m.secretName}". ${AGAIN}`,
    });
  }
}
