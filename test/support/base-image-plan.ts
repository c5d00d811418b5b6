import { createHash } from 'node:crypto';
import { posix } from 'node:path';

/** One thing to put in the base image's root filesystem. Paths are absolute inside the image. */
export type RootfsEntry =
  | { kind: 'dir'; path: string; mode: number; uid?: number }
  | { kind: 'file'; path: string; source: string; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'content'; path: string; content: string; mode: number };

export interface BaseImageInputs {
  /** Host paths of the binaries; `openssl` is optional. */
  node: string;
  curl: string;
  busybox: string;
  openssl?: string;
  /** git and the helpers it runs for HTTPS (`git-remote-http`) and a smart-HTTP server (`git-http-backend`); optional. */
  git?: { binary: string; helpers: string[] };
  /** Every shared library the binaries need (ldd output), plus the NSS libraries for DNS. */
  libraries: string[];
  /** Applet names the host busybox offers (`busybox --list`). */
  applets: string[];
  /** Optional host files copied to the same path: CA bundle, openssl.cnf. */
  extraFiles: string[];
}

/** Bump when the recipe changes, so a stale cached image is not reused. */
export const BASE_RECIPE_VERSION = 4;
export const BASE_IMAGE_REPO = 'nanoclaw-test-base';
export const NODE_UID = 1000;

// Debian's merged /usr: the image gets the same top-level symlinks, and every copied
// path is stored under /usr so /lib/x/y and /usr/lib/x/y are the same file, as on the host.
const MERGED_DIRS = ['bin', 'sbin', 'lib', 'lib64'];

/** Where Debian's git looks for the commands it runs (compiled in). */
export const GIT_EXEC_PATH = '/usr/lib/git-core';

/** The path a host file gets inside the merged-/usr image (`/lib/x` → `/usr/lib/x`). */
export function canonicalImagePath(hostPath: string): string {
  const p = posix.normalize(hostPath);
  const top = p.split('/')[1] ?? '';
  return MERGED_DIRS.includes(top) ? `/usr${p}` : p;
}

/**
 * Absolute library paths from `ldd` output. The vDSO has no file and is skipped;
 * a library ldd cannot find is an error, since the binary would not start in the image.
 */
export function parseLddOutput(output: string): string[] {
  const paths: string[] = [];
  const missing: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const arrow = /^(\S+)\s+=>\s+(.*?)(?:\s+\(0x[0-9a-f]+\))?$/.exec(line);
    if (arrow) {
      const target = arrow[2] ?? '';
      if (target === 'not found') missing.push(arrow[1] ?? line);
      else if (target.startsWith('/')) paths.push(target);
      continue;
    }
    const direct = /^(\/\S+)\s+\(0x[0-9a-f]+\)$/.exec(line);
    if (direct?.[1]) paths.push(direct[1]);
  }
  if (missing.length > 0) throw new Error(`ldd: shared libraries not found: ${missing.join(', ')}`);
  return paths;
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' +
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n';
// `files` first so /etc/hosts (Docker writes it) wins; `dns` reaches Docker's embedded DNS.
const NSSWITCH = 'passwd: files\ngroup: files\nhosts: files dns\nnetworks: files\n';

/** The full root filesystem of the base image, as data (pure: no I/O). */
export function planRootfs(inputs: BaseImageInputs): RootfsEntry[] {
  const entries: RootfsEntry[] = [
    ...['/usr/bin', '/usr/sbin', '/usr/lib', '/usr/lib64', '/usr/local/bin', '/etc', '/home', '/run']
      .map((path): RootfsEntry => ({ kind: 'dir', path, mode: 0o755 })),
    { kind: 'dir', path: '/tmp', mode: 0o1777 },
    { kind: 'dir', path: '/var/tmp', mode: 0o1777 },
    { kind: 'dir', path: '/root', mode: 0o700 },
    { kind: 'dir', path: '/home/node', mode: 0o755, uid: NODE_UID },
    ...MERGED_DIRS.map((d): RootfsEntry => ({ kind: 'symlink', path: `/${d}`, target: `usr/${d}` })),
    { kind: 'content', path: '/etc/passwd', content: PASSWD, mode: 0o644 },
    { kind: 'content', path: '/etc/group', content: GROUP, mode: 0o644 },
    { kind: 'content', path: '/etc/nsswitch.conf', content: NSSWITCH, mode: 0o644 },
    { kind: 'content', path: '/etc/os-release', content: 'ID=nanoclaw-test-base\n', mode: 0o644 },
    { kind: 'file', path: '/usr/local/bin/node', source: inputs.node, mode: 0o755 },
    { kind: 'file', path: '/usr/bin/curl', source: inputs.curl, mode: 0o755 },
    { kind: 'file', path: '/usr/bin/busybox', source: inputs.busybox, mode: 0o755 },
  ];
  if (inputs.openssl) {
    entries.push({ kind: 'file', path: '/usr/bin/openssl', source: inputs.openssl, mode: 0o755 });
    // Debian's OpenSSL looks for its CA directory here.
    entries.push({ kind: 'symlink', path: '/usr/lib/ssl/certs', target: '/etc/ssl/certs' });
  }
  if (inputs.git) {
    entries.push({ kind: 'file', path: '/usr/bin/git', source: inputs.git.binary, mode: 0o755 });
    entries.push({ kind: 'dir', path: GIT_EXEC_PATH, mode: 0o755 });
    for (const helper of inputs.git.helpers) {
      entries.push({ kind: 'file', path: `${GIT_EXEC_PATH}/${posix.basename(helper)}`, source: helper, mode: 0o755 });
    }
    entries.push({ kind: 'symlink', path: `${GIT_EXEC_PATH}/git-remote-https`, target: 'git-remote-http' });
    // Builtins git runs by these names (a local push, http-backend's services), links to git as in Debian.
    for (const builtin of ['git', 'git-upload-pack', 'git-receive-pack', 'git-upload-archive']) {
      entries.push({ kind: 'symlink', path: `${GIT_EXEC_PATH}/${builtin}`, target: '/usr/bin/git' });
    }
    // Empty: git init and clone only warn when it is missing.
    entries.push({ kind: 'dir', path: '/usr/share/git-core/templates', mode: 0o755 });
  }
  const seen = new Set(entries.map((e) => e.path));
  const add = (entry: RootfsEntry): void => {
    if (seen.has(entry.path)) return;
    seen.add(entry.path);
    entries.push(entry);
  };
  for (const source of [...inputs.libraries, ...inputs.extraFiles]) {
    add({ kind: 'file', path: canonicalImagePath(source), source });
  }
  for (const applet of inputs.applets) {
    if (!/^(?:\[\[?|[a-z0-9][a-z0-9_.-]*)$/i.test(applet)) continue; // never a path
    add({ kind: 'symlink', path: `/usr/bin/${applet}`, target: 'busybox' });
  }
  return entries;
}

/** Content hash of a plan plus the identity (size, mtime) of every host file it copies. */
export function hashRootfs(
  entries: RootfsEntry[],
  fileIdentity: (source: string) => string,
): string {
  const hash = createHash('sha256').update(`recipe:${BASE_RECIPE_VERSION}\n`);
  for (const e of [...entries].sort((a, b) => a.path.localeCompare(b.path))) {
    const extra = e.kind === 'file' ? fileIdentity(e.source) : '';
    hash.update(`${JSON.stringify(e)}\t${extra}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}
