import type { VaultSnapshot } from '../vault/store/types.js';

/** How many of each kind of record a vault holds: what a store move reports and verifies. */
export interface StoreCounts {
  secrets: number;
  agents: number;
  grants: number;
  settings: number;
  rules: number;
  approvers: number;
  audit: number;
  ca: number;
}

interface Kind {
  rows(s: VaultSnapshot): readonly object[];
  /** What makes a record this record, whatever order a store lists them in. */
  key(row: object): string;
  /** Names one record in a difference: ids and names only, never a value. */
  label(row: object): string;
}

const id = (row: object) => String((row as { id: unknown }).id);
const byId = (noun: string) => (row: object) => {
  const r = row as { id?: unknown; name?: unknown };
  return r.name === undefined ? `${noun} ${String(r.id)}` : `${noun} "${String(r.name)}" (${String(r.id)})`;
};

// One entry per kind of record a snapshot carries; counts, comparison and the report all read it.
const KINDS: Record<keyof StoreCounts, Kind> = {
  secrets: { rows: (s) => s.secrets, key: id, label: byId('secret') },
  agents: { rows: (s) => s.agents, key: id, label: byId('agent') },
  grants: { rows: (s) => s.grants, key: grantKey, label: (g) => `grant ${grantKey(g)}` },
  settings: { rows: (s) => s.settings, key: settingKey, label: (row) => `setting ${settingKey(row)}` },
  rules: { rows: (s) => s.rules ?? [], key: id, label: byId('rule') },
  approvers: { rows: (s) => s.approvers ?? [], key: id, label: byId('approver') },
  audit: { rows: (s) => s.audit ?? [], key: id, label: byId('audit row') },
  ca: { rows: (s) => (s.ca ? [s.ca] : []), key: () => 'ca', label: () => 'the vault CA' },
};

function grantKey(row: object): string {
  const g = row as { agentId: string; secretId: string };
  return `${g.agentId} -> ${g.secretId}`;
}
function settingKey(row: object): string {
  return (row as { key: string }).key;
}

const KIND_NAMES = Object.keys(KINDS) as (keyof StoreCounts)[];

export function snapshotCounts(snapshot: VaultSnapshot): StoreCounts {
  return Object.fromEntries(KIND_NAMES.map((k) => [k, KINDS[k].rows(snapshot).length])) as unknown as StoreCounts;
}

/** True when the snapshot holds nothing a user made (a database a vault has never used). */
export function isEmptySnapshot(snapshot: VaultSnapshot): boolean {
  return Object.values(snapshotCounts(snapshot)).every((n) => n === 0);
}

// Key order and undefined-vs-absent do not make two records differ.
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/**
 * What differs between two snapshots of a vault (the source and the copy), as lines a user can
 * read: counts first, then each record that is missing or not equal, values included in the
 * comparison (every secret was decrypted to make the snapshot) but never in a line. Empty when
 * they hold the same records. Pure.
 */
export function compareSnapshots(source: VaultSnapshot, copy: VaultSnapshot): string[] {
  const lines: string[] = [];
  for (const name of KIND_NAMES) {
    const kind = KINDS[name];
    const a = kind.rows(source);
    const b = kind.rows(copy);
    if (a.length !== b.length) lines.push(`${name}: ${a.length} in the source, ${b.length} in the copy`);
    const copies = new Map(b.map((row) => [kind.key(row), row]));
    for (const row of a) {
      const copy = copies.get(kind.key(row));
      if (!copy) lines.push(`${kind.label(row)} is missing from the copy`);
      else if (canonical(row) !== canonical(copy)) lines.push(`${kind.label(row)} differs in the copy`);
    }
  }
  return lines;
}
