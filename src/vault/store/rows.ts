import type { SqlRow } from './sql-database.js';
import type { Agent, EgressPolicy, InjectionConfig, Secret, SecretMode, SecretType } from '../model/records.js';

/** A row as the database returns it. */
export type Row = SqlRow;

export function text(row: Row, column: string): string {
  const v = row[column];
  if (typeof v !== 'string') throw new Error(`vault store: column ${column} is ${typeof v}, expected text`);
  return v;
}

export function textOrNull(row: Row, column: string): string | null {
  const v = row[column];
  return v === null || v === undefined ? null : text(row, column);
}

export function blob(row: Row, column: string): Uint8Array {
  const v = row[column];
  if (!(v instanceof Uint8Array)) throw new Error(`vault store: column ${column} is not a blob`);
  return v;
}

export function num(row: Row, column: string): number {
  const v = row[column];
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number') throw new Error(`vault store: column ${column} is ${typeof v}, expected a number`);
  return v;
}

export function numOrNull(row: Row, column: string): number | null {
  const v = row[column];
  return v === null || v === undefined ? null : num(row, column);
}

export const SECRET_COLUMNS =
  'id, name, type, host_pattern, path_pattern, injection_config, created_at, updated_at, last_used_at';

export function toSecret(row: Row): Secret {
  const config = textOrNull(row, 'injection_config');
  return {
    id: text(row, 'id'),
    name: text(row, 'name'),
    type: text(row, 'type') as SecretType,
    hostPattern: text(row, 'host_pattern'),
    pathPattern: textOrNull(row, 'path_pattern'),
    injectionConfig: config === null ? null : (JSON.parse(config) as InjectionConfig),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
    lastUsedAt: textOrNull(row, 'last_used_at'),
  };
}

export const AGENT_COLUMNS = 'id, name, identifier, secret_mode, egress_policy, egress_mode, allow_hosts, created_at';

/**
 * How an egress policy is stored: `egress_policy` holds the modes its CHECK knows; a newer mode
 * goes in `egress_mode` (migration 5), with `egress_policy` the nearest old one, which fails
 * closed ('ask' → 'allowlist': unlisted hosts refused).
 */
export function egressColumns(policy: EgressPolicy): { policy: 'tunnel' | 'allowlist'; mode: string | null } {
  return policy === 'ask' ? { policy: 'allowlist', mode: 'ask' } : { policy, mode: null };
}

export function toAgent(row: Row): Agent {
  return {
    id: text(row, 'id'),
    name: text(row, 'name'),
    identifier: text(row, 'identifier'),
    secretMode: text(row, 'secret_mode') as SecretMode,
    egressPolicy: (textOrNull(row, 'egress_mode') ?? text(row, 'egress_policy')) as EgressPolicy,
    allowHosts: JSON.parse(text(row, 'allow_hosts')) as string[],
    createdAt: text(row, 'created_at'),
  };
}

/** The current time as stored: ISO 8601 in UTC. */
export function nowIso(at: Date = new Date()): string {
  return at.toISOString();
}
