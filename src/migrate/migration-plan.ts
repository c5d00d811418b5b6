import type { InjectionConfig, SecretType } from '../vault/model/records.js';
import type { StayReason } from './classify-key.js';

/**
 * create: a new secret; rotate: replace the value of an existing secret (--overwrite);
 * resume: finish what an interrupted run started; alias: same value as another moved key, no vault change.
 */
export type MoveAction = 'create' | 'rotate' | 'resume' | 'alias';

export interface PlannedMove {
  key: string;
  /** Every line that assigns the key (the last one is in effect); all of them are removed. */
  lines: number[];
  service: string;
  secretName: string;
  type: SecretType;
  hostPattern: string;
  injectionConfig: InjectionConfig | null;
  action: MoveAction;
  /** Where the host came from: the table of known services, --map, or a *_BASE_URL setting. */
  source: 'known' | 'map' | 'base-url';
  /** The vault secret that rotate/resume updates. */
  existingId?: string;
  /** alias: the key whose secret serves this one. */
  aliasOf?: string;
}

export interface PlannedStay {
  key: string;
  lines: number[];
  reason: StayReason;
  detail: string;
}

export type PlanQuestion =
  | { kind: 'host'; key: string; lines: number[]; detail: string }
  | {
      kind: 'conflict';
      key: string;
      lines: number[];
      existingId: string;
      existingName: string;
      hostPattern: string;
      /** true: same name; false: another secret already serves the same host. */
      sameName: boolean;
    };

function where(lines: readonly number[]): string {
  return lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.join(', ')}`;
}

/** How a secret's value reaches the request, in words. */
export function describeInjection(type: SecretType, config: InjectionConfig | null): string {
  if (config && 'paramName' in config) return `query ?${config.paramName}=${config.paramFormat ?? '{value}'}`;
  if (config) return `${config.headerName}: ${config.valueFormat ?? '{value}'}`;
  if (type === 'anthropic') return 'x-api-key, or Authorization: Bearer for an OAuth token';
  return 'Authorization: Bearer {value}';
}

/** The question in words, with the flag that answers it. */
export function describeQuestion(q: PlanQuestion): string {
  if (q.kind === 'host') {
    return `${q.key} (${where(q.lines)}): ${q.detail}; pass --map ${q.key}=<host> to move it or --keep ${q.key} to leave it`;
  }
  const clash = q.sameName ? `a secret named "${q.existingName}"` : `secret "${q.existingName}" for ${q.hostPattern}`;
  return (
    `${q.key} (${where(q.lines)}): the vault already has ${clash}, and values are write-only so they cannot be compared; ` +
    `pass --overwrite to replace its value with this one, or --skip to leave ${q.key} in .env`
  );
}

/** What `ncl init-onecli` will do. Holds key names, hosts and line numbers, never a value. */
export class MigrationPlan {
  readonly moves: readonly PlannedMove[];
  readonly stays: readonly PlannedStay[];
  readonly questions: readonly PlanQuestion[];
  readonly notes: readonly string[];

  constructor(moves: readonly PlannedMove[], stays: readonly PlannedStay[], questions: readonly PlanQuestion[], notes: readonly string[]) {
    this.moves = moves;
    this.stays = stays;
    this.questions = questions;
    this.notes = notes;
  }

  /** Moves that change the vault (everything but aliases). */
  get vaultMoves(): PlannedMove[] {
    return this.moves.filter((m) => m.action !== 'alias');
  }

  /** The keys whose lines leave `.env`. */
  get keysToRemove(): string[] {
    return this.moves.map((m) => m.key);
  }

  /** The plan as text for people; safe to print (no values). */
  describe(): string {
    const out: string[] = [];
    const section = (title: string, rows: string[]) => {
      if (rows.length > 0) out.push(`${title} (${rows.length}):`, ...rows.map((r) => `  ${r}`));
    };
    section(
      'Moves into the vault',
      this.moves.map((m) => {
        if (m.action === 'alias') return `${m.key} (${where(m.lines)}): same value as ${m.aliasOf}, served by secret "${m.secretName}"`;
        const verb = m.action === 'create' ? 'new secret' : m.action === 'rotate' ? 'replaces the value of secret' : 'finishes secret';
        const via = m.source === 'known' ? m.service : m.source === 'map' ? '--map' : `${m.service}, from its base URL`;
        return `${m.key} (${where(m.lines)}) → ${verb} "${m.secretName}" for ${m.hostPattern} (${via}; ${m.type}, ${describeInjection(m.type, m.injectionConfig)})`;
      }),
    );
    section('Stays in .env', this.stays.map((s) => `${s.key} (${where(s.lines)}): ${s.detail}`));
    section('Needs an answer', this.questions.map(describeQuestion));
    section('Notes', [...this.notes]);
    if (this.moves.length === 0 && this.questions.length === 0) out.push('Nothing to move: .env holds no credential for the vault.');
    return out.join('\n');
  }

  /** The plan as data for --json; safe to print (no values). */
  toJSON() {
    return { moves: this.moves, stays: this.stays, questions: this.questions, notes: this.notes };
  }
}
