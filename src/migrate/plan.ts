import type { EnvDocument } from '../config/env-file.js';
import { PLACEHOLDER } from '../common/placeholder.js';
import { findService } from '../config/known-services.js';
import type { Secret } from '../vault/model/records.js';
import { looksSecret, protectedReason, unstorableReason, type StayReason } from './classify-key.js';
import { MigrationPlan, type PlannedMove, type PlannedStay, type PlanQuestion } from './migration-plan.js';
import { resolveTarget, type Target } from './resolve-target.js';

export interface PlanOptions {
  /** KEY → host pattern (already validated), from --map or an answered question. */
  map?: Readonly<Record<string, string>>;
  /** Keys to leave in .env, from --keep or an answered question. */
  keep?: readonly string[];
  /** What to do when the vault already has the secret: ask (a question), overwrite or skip. */
  onConflict?: 'ask' | 'overwrite' | 'skip';
  /** Per-key answers to conflict questions; they win over onConflict. */
  decisions?: Readonly<Record<string, 'overwrite' | 'skip'>>;
  /** Unknown secret-looking keys: ask (a question) or keep them in .env (--yes). */
  onUnknown?: 'ask' | 'keep';
  /** KEY → secret name that an interrupted run of this migration already wrote (its journal). */
  resumable?: Readonly<Record<string, string>>;
}

export interface PlanInput {
  doc: EnvDocument;
  /** Secrets already in the vault; null when the vault could not be asked (a dry run before install). */
  existing: readonly Secret[] | null;
  options?: PlanOptions;
}


interface Candidate extends Target {
  key: string;
  lines: number[];
  value: string;
}

/** Decides, without I/O, which `.env` keys move into the vault, which stay and why, and what must be asked. */
export function buildPlan(input: PlanInput): MigrationPlan {
  const { doc, existing } = input;
  const o = input.options ?? {};
  const keep = new Set(o.keep ?? []);
  const values = doc.toRecord();
  const lines = new Map<string, number[]>();
  for (const e of doc.entries()) lines.set(e.key, [...(lines.get(e.key) ?? []), e.line]);

  const stays: PlannedStay[] = [];
  const questions: PlanQuestion[] = [];
  const candidates: Candidate[] = [];
  const stay = (key: string, reason: StayReason, detail: string) => stays.push({ key, lines: lines.get(key)!, reason, detail });

  for (const [key, keyLines] of lines) {
    const value = values[key] ?? '';
    const fixed = protectedReason(key);
    if (fixed) stay(key, fixed.reason, fixed.detail);
    else if (keep.has(key)) stay(key, 'kept', 'kept as you asked (--keep)');
    else if (value === '') stay(key, 'empty', 'empty: nothing to move');
    else if (value === PLACEHOLDER) stay(key, 'placeholder', `already the vault placeholder "${PLACEHOLDER}", not a credential`);
    else {
      const target = resolveTarget(key, values, o.map ?? {});
      const unstorable = unstorableReason(value);
      if (!target && !looksSecret(key, value)) stay(key, 'not-secret', 'not a credential');
      else if (unstorable) stay(key, 'unstorable', `${unstorable}; left as it is`);
      else if (!target || 'ask' in target) {
        const detail = target?.ask ?? 'looks like a credential for a service nanoclaw does not know';
        if (o.onUnknown === 'keep') stay(key, 'no-host', `${detail}; left in .env (--map ${key}=<host> moves it)`);
        else questions.push({ kind: 'host', key, lines: keyLines, detail });
      } else candidates.push({ ...target, key, lines: keyLines, value });
    }
  }

  const moves: PlannedMove[] = [];
  const notes: string[] = doc.warnings.filter((w) => w.code === 'not_assignment').map((w) => `${w.message}`);
  if (existing === null) notes.push('The vault was not asked (none answers yet), so name clashes are checked only when the migration runs.');

  for (const group of groupBy(candidates, (c) => c.group)) {
    const [winner, ...rest] = group.sort((a, b) => a.rank - b.rank);
    if (!winner) continue;
    const moved = decide(winner, existing, o);
    if ('question' in moved) questions.push(moved.question);
    else if ('stay' in moved) stay(winner.key, moved.stay.reason, moved.stay.detail);
    else moves.push(moved.move);
    for (const other of rest) {
      if (other.value !== winner.value) {
        stay(
          other.key,
          'superseded',
          `${winner.key} holds another ${winner.service} credential and wins (the vault injects one per host); ` +
            `--keep ${winner.key} moves this one instead, or delete this line once it is unused`,
        );
      } else if ('move' in moved) {
        moves.push({ ...moved.move, key: other.key, lines: other.lines, action: 'alias', aliasOf: winner.key, existingId: undefined });
      } else stay(other.key, 'superseded', `same value as ${winner.key}, which stays, so this stays too`);
    }
  }
  const order = [...lines.keys()];
  const byFileOrder = <T extends { key: string }>(a: T, b: T) => order.indexOf(a.key) - order.indexOf(b.key);
  return new MigrationPlan(moves.sort(byFileOrder), stays.sort(byFileOrder), questions.sort(byFileOrder), notes);
}

type Decision = { move: PlannedMove } | { stay: { reason: StayReason; detail: string } } | { question: PlanQuestion };

/** create, resume, rotate, skip or ask, against what the vault already holds. */
function decide(c: Candidate, existing: readonly Secret[] | null, o: PlanOptions): Decision {
  const base: PlannedMove = {
    key: c.key,
    lines: c.lines,
    service: c.service,
    secretName: c.key,
    type: c.type,
    hostPattern: c.hostPattern,
    injectionConfig: c.injectionConfig,
    action: 'create',
    source: c.source,
  };
  if (existing === null) return { move: base };
  const journaled = o.resumable?.[c.key];
  const ours = journaled === undefined ? undefined : existing.find((s) => s.name === journaled);
  if (ours) return { move: { ...base, secretName: ours.name, action: 'resume', existingId: ours.id } };
  const byName = existing.find((s) => s.name === c.key);
  // Two secrets for one host would leave the choice to creation time; an unscoped one is a clash too.
  const byHost = existing
    .filter((s) => s.hostPattern === c.hostPattern && (s.pathPattern === null || s.pathPattern === '*'))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  const clash = byName ?? byHost;
  if (!clash) return { move: base };
  // The same precedence as within .env, once the winner has moved: a re-run stays a no-op.
  const theirs = clash === byName ? undefined : findService(clash.name);
  if (c.source !== 'map' && theirs?.service.service === c.service && theirs.rank < c.rank) {
    const detail =
      `the vault's secret "${clash.name}" holds another ${c.service} credential and wins (the vault injects one per host); ` +
      'delete this line once it is unused (or delete that secret, then run again to move this one)';
    return { stay: { reason: 'superseded', detail } };
  }
  const choice = o.decisions?.[c.key] ?? (o.onConflict === 'ask' || o.onConflict === undefined ? undefined : o.onConflict);
  if (choice === 'overwrite') return { move: { ...base, secretName: clash.name, action: 'rotate', existingId: clash.id } };
  if (choice === 'skip') return { stay: { reason: 'conflict-skipped', detail: `the vault already has secret "${clash.name}"; left in .env (--overwrite replaces its value)` } };
  return {
    question: {
      kind: 'conflict',
      key: c.key,
      lines: c.lines,
      existingId: clash.id,
      existingName: clash.name,
      hostPattern: clash.hostPattern,
      sameName: clash === byName,
    },
  };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return [...groups.values()];
}
