import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../common/atomic-write.js';
import type { StepId } from './types.js';

const StepRecordSchema = z.object({
  at: z.string(),
  /** The vault URL the step ran against: a record for another vault does not count. */
  vaultUrl: z.string().optional(),
  group: z.string().optional(),
});
export type StepRecord = z.infer<typeof StepRecordSchema>;

const StateSchema = z.object({
  version: z.literal(1),
  completed: z.partialRecord(z.enum(['prerequisites', 'vault', 'auth', 'group', 'verify']), StepRecordSchema),
});
/** What earlier runs of `ncl setup` finished; holds no secret. */
export type SetupState = z.infer<typeof StateSchema>;

export const emptyState = (): SetupState => ({ version: 1, completed: {} });

/** `<project>/.nanoclaw/setup-state.json`. */
export function setupStatePath(projectDir: string): string {
  return join(projectDir, '.nanoclaw', 'setup-state.json');
}

/** The saved state; an empty one when the file is missing or unreadable (the steps re-check the real world anyway). */
export async function readSetupState(file: string): Promise<SetupState> {
  try {
    const parsed = StateSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : emptyState();
  } catch {
    return emptyState();
  }
}

/** Marks `step` done and saves the state atomically (a crash leaves the previous file whole). */
export async function markStepDone(file: string, state: SetupState, step: StepId, record: Omit<StepRecord, 'at'>, now = new Date()): Promise<void> {
  state.completed[step] = { at: now.toISOString(), ...record };
  await writeFileAtomic(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o644 });
}

/** True when `step` was recorded for this vault URL (and group, when given). Pure. */
export function recordedFor(state: SetupState, step: StepId, match: { vaultUrl?: string; group?: string }): boolean {
  const record = state.completed[step];
  if (!record) return false;
  if (match.vaultUrl !== undefined && record.vaultUrl !== match.vaultUrl) return false;
  return match.group === undefined || record.group === match.group;
}
