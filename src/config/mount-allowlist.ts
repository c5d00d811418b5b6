import { readFile, readdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { NanoclawError, errorMessage } from '../common/errors.js';
import { PARSE_ONCE } from '../common/parse-once.js';

/** Path parts that are always refused, wherever they appear (also as entries directly inside a mounted dir). */
export const BLOCKED_EXACT = ['.ssh', '.aws', '.env', '.gnupg', '.docker', '.kube', 'docker.sock'];
export const BLOCKED_SUBSTRINGS = ['credentials', 'id_rsa', 'id_ed25519', 'private_key'];

const RootSchema = z.union([
  z.string().min(1),
  z.strictObject({ path: z.string().min(1), allowReadWrite: z.boolean().default(false), description: z.string().optional() }),
]);
export const MountAllowlistSchema = z.strictObject({ allowedRoots: z.array(RootSchema).default([]) });

export interface AllowedRoot {
  /** Absolute, symlinks resolved. */
  path: string;
  allowReadWrite: boolean;
}

export interface MountRequest {
  hostPath: string;
  /** `hostPath` with `~` expanded and every symlink resolved. */
  resolvedPath: string;
  readonly: boolean;
  /** Names directly inside the resolved path when it is a directory. */
  children: string[];
}

/** Why a path part is refused, or null. */
export function blockedPart(part: string): string | null {
  const lower = part.toLowerCase();
  if (BLOCKED_EXACT.includes(lower) || lower.startsWith('.env.')) return lower;
  return BLOCKED_SUBSTRINGS.find((s) => lower.includes(s)) ?? null;
}

function isInside(child: string, root: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The pure decision for one extra mount: null when allowed, else the reason. A mount must be
 * under an allowed root (read-write only where the root allows it), may not name a sensitive
 * path and may not contain one directly, and may not contain or sit inside a protected path.
 */
export function mountProblem(mount: MountRequest, roots: readonly AllowedRoot[], protectedPaths: readonly string[]): string | null {
  const parts = mount.resolvedPath.split(sep).filter(Boolean);
  const bad = parts.map(blockedPart).find((p) => p !== null);
  if (bad) return `${mount.hostPath} resolves to ${mount.resolvedPath}, which names "${bad}" (never mounted into an agent)`;
  const badChild = mount.children.map(blockedPart).find((p) => p !== null);
  if (badChild) return `${mount.hostPath} contains "${badChild}", which is never mounted into an agent; mount a narrower folder`;
  for (const p of protectedPaths) {
    if (isInside(p, mount.resolvedPath) || isInside(mount.resolvedPath, p)) {
      return `${mount.hostPath} overlaps ${p}, which holds nanoclaw's own files (vault data, keys or .env)`;
    }
  }
  const root = roots.find((r) => isInside(mount.resolvedPath, r.path));
  if (!root) return `${mount.hostPath} (${mount.resolvedPath}) is not under any allowed root`;
  if (!mount.readonly && !root.allowReadWrite) return `${mount.hostPath} is under ${root.path}, which allows read-only mounts only; set "readonly": true`;
  return null;
}

export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** Reads the allowlist file; null when it does not exist (then every extra mount is refused). */
export async function readMountAllowlist(file: string, home: string): Promise<AllowedRoot[] | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new NanoclawError('mount_allowlist_unreadable', `Cannot read ${file} (${errorMessage(err)})`);
  }
  let parsed;
  try {
    parsed = MountAllowlistSchema.safeParse(JSON.parse(text), PARSE_ONCE);
  } catch (err) {
    throw new NanoclawError('bad_mount_allowlist', `${file} is not valid JSON (${errorMessage(err)})`, { hint: `Fix ${file}` });
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new NanoclawError('bad_mount_allowlist', `${file}: ${issue?.path.join('.') || 'allowedRoots'}: ${issue?.message}`, {
      hint: `Expected {"allowedRoots": ["~/projects", {"path": "/data", "allowReadWrite": true}]} in ${file}`,
    });
  }
  const roots: AllowedRoot[] = [];
  for (const entry of parsed.data.allowedRoots) {
    const raw = typeof entry === 'string' ? { path: entry, allowReadWrite: false } : entry;
    const abs = resolve(expandHome(raw.path, home));
    // A root that does not exist allows nothing yet; keep it unresolved so it never matches by accident.
    roots.push({ path: await realpath(abs).catch(() => abs), allowReadWrite: raw.allowReadWrite });
  }
  return roots;
}

export interface CheckMountsInput {
  mounts: readonly { hostPath: string; containerPath: string; readonly: boolean }[];
  allowlistFile: string;
  home: string;
  /** nanoclaw's own files: the project .env, vault data, runtime dir. Resolved here. */
  protectedPaths: readonly string[];
}

/** Resolves and checks every extra mount; returns them with resolved host paths or throws `mount_refused`. */
export async function checkAdditionalMounts(input: CheckMountsInput): Promise<{ hostPath: string; containerPath: string; readonly: boolean }[]> {
  if (input.mounts.length === 0) return [];
  const roots = await readMountAllowlist(input.allowlistFile, input.home);
  const protectedPaths = await Promise.all(input.protectedPaths.map((p) => realpath(p).catch(() => resolve(p))));
  const out = [];
  for (const m of input.mounts) {
    const abs = resolve(expandHome(m.hostPath, input.home));
    const resolvedPath = await realpath(abs).catch(() => null);
    if (!resolvedPath) throw refused(`${m.hostPath} does not exist`, input.allowlistFile);
    const children = await readdir(resolvedPath).catch(() => []);
    const problem = roots
      ? mountProblem({ hostPath: m.hostPath, resolvedPath, readonly: m.readonly, children }, roots, protectedPaths)
      : `${m.hostPath}: there is no mount allowlist, so extra mounts are refused`;
    if (problem) throw refused(problem, input.allowlistFile);
    out.push({ hostPath: resolvedPath, containerPath: m.containerPath, readonly: m.readonly });
  }
  return out;
}

function refused(problem: string, file: string): NanoclawError {
  return new NanoclawError('mount_refused', `Extra mount refused: ${problem}`, {
    hint: `Allowed roots are listed in ${file} ({"allowedRoots": ["~/projects"]}); sensitive paths are never allowed.`,
  });
}
