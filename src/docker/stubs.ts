import { existsSync, type Stats } from 'node:fs';
import { chown, lstat, mkdir, readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../common/atomic-write.js';
import { NanoclawError } from '../common/errors.js';
import { PLACEHOLDER } from '../common/placeholder.js';


export interface WriteStubsOptions {
  names: readonly string[];
  /** The group's home dir on the host (mounted as the agent's home). */
  homeDir: string;
  /** Default: `templates/stubs` of this package. */
  templatesDir?: string;
  /** Owner of written files and created dirs (the agent's uid when the launcher runs as root). */
  owner?: { uid: number; gid: number };
}

export interface StubReport {
  /** Paths relative to the home dir. */
  written: string[];
  /** Existing files without the placeholder: real credentials, left untouched. */
  kept: string[];
  /** Paths we refused to write through (a symlink or not a regular file). */
  skipped: string[];
}

/** `templates/stubs` of the installed package, found from this module's location (src/ or dist/src/). */
export function defaultStubTemplatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'templates', 'stubs');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new NanoclawError('stub_templates_missing', 'Cannot find templates/stubs next to the nanoclaw package', {
    hint: 'Reinstall nanoclaw; the package ships its templates/ folder',
  });
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, full)));
    else if (entry.isFile()) out.push(relative(root, full));
  }
  return out.sort();
}

/** Creates each parent dir under `home` (owned like the files); false when one is a symlink or not a dir. */
async function safeParents(home: string, rel: string, owner: WriteStubsOptions['owner']): Promise<boolean> {
  let dir = home;
  for (const part of dirname(rel).split(sep).filter((p) => p && p !== '.')) {
    dir = join(dir, part);
    const info = await lstat(dir).catch(() => null);
    if (!info) {
      await mkdir(dir, { mode: 0o700 });
      if (owner) await chown(dir, owner.uid, owner.gid);
    } else if (!info.isDirectory()) return false; // the agent could plant a symlink to a host path here
  }
  return true;
}

const inPlace = (file: Stats, owner: WriteStubsOptions['owner']) =>
  (file.mode & 0o7777) === 0o600 && (!owner || (file.uid === owner.uid && file.gid === owner.gid));

/**
 * Writes the named stub templates into the home dir with mode 600. A file that exists without
 * the placeholder is never overwritten; nothing is written through a symlink.
 */
export async function writeStubs(options: WriteStubsOptions): Promise<StubReport> {
  const templates = options.templatesDir ?? defaultStubTemplatesDir();
  const report: StubReport = { written: [], kept: [], skipped: [] };
  const available = (await readdir(templates, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  for (const name of new Set(options.names)) {
    if (!available.includes(name)) {
      throw new NanoclawError('unknown_stub', `There is no stub template "${name}" (available: ${available.sort().join(', ')})`, {
        hint: 'Fix "stubs" in the group’s container.json',
      });
    }
    for (const rel of await listFiles(join(templates, name))) {
      const dest = join(options.homeDir, rel);
      if (!(await safeParents(options.homeDir, rel, options.owner))) {
        report.skipped.push(rel);
        continue;
      }
      const existing = await lstat(dest).catch(() => null);
      if (existing && !existing.isFile()) {
        report.skipped.push(rel);
        continue;
      }
      const current = existing ? await readFile(dest) : null;
      if (current && !current.includes(PLACEHOLDER)) {
        report.kept.push(rel);
        continue;
      }
      const template = await readFile(join(templates, name, rel));
      // A stub already in place (bytes, mode and owner) is left as it is: relaunches write nothing.
      if (!(existing && current?.equals(template) && inPlace(existing, options.owner))) {
        await writeFileAtomic(dest, template, { mode: 0o600 });
        if (options.owner) await chown(dest, options.owner.uid, options.owner.gid);
      }
      report.written.push(rel);
    }
  }
  return report;
}
