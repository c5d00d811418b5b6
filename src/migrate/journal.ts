import { readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../common/atomic-write.js';

/**
 * The migration's write-ahead note: which secrets it is about to write, saved before the first vault
 * change and removed after `.env` is rewritten. Values are write-only, so without it a run killed
 * between "secret created" and ".env rewritten" could not tell its own secret from a user's one of
 * the same name, and the next run would stop at a name clash. Holds key and secret names, no values.
 */
const JournalSchema = z.object({
  version: z.literal(1),
  startedAt: z.string(),
  entries: z.array(z.object({ key: z.string(), secretName: z.string() })),
});
export type Journal = z.infer<typeof JournalSchema>;

/** The journal of the migration of `envFile`: a hidden file next to it. */
export function journalPath(envFile: string): string {
  const name = basename(envFile);
  return join(dirname(envFile), `${name.startsWith('.') ? '' : '.'}${name}.init-onecli.json`);
}

/** KEY → secret name from an interrupted run; empty when there is none (or it is unreadable). */
export async function readJournal(path: string): Promise<Record<string, string>> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // Written atomically, so never torn; an unreadable one was edited by hand: ignoring it only means
    // a clash is asked about again, never that something is lost.
    return {};
  }
  const parsed = JournalSchema.safeParse(json);
  if (!parsed.success) return {};
  return Object.fromEntries(parsed.data.entries.map((e) => [e.key, e.secretName]));
}

/** Saves the journal atomically (0600). */
export async function writeJournal(path: string, entries: Journal['entries'], now: Date = new Date()): Promise<void> {
  const journal: Journal = { version: 1, startedAt: now.toISOString(), entries };
  await writeFileAtomic(path, JSON.stringify(journal, null, 2) + '\n', { mode: 0o600 });
}

/** Removes the journal; fine when there is none. */
export async function clearJournal(path: string): Promise<void> {
  await rm(path, { force: true });
}
