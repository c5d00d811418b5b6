import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { NanoclawError } from '../../src/common/errors.js';
import { type BaseImageInputs, GIT_EXEC_PATH, parseLddOutput } from './base-image-plan.js';

const run = promisify(execFile);

// Loaded with dlopen at run time, so ldd never lists them: glibc's NSS modules for
// name resolution (Docker's embedded DNS), and librt which native addons link.
const DLOPENED_LIBS = ['libnss_dns.so.2', 'libnss_files.so.2', 'libresolv.so.2', 'librt.so.1'];
const EXTRA_FILES = ['/etc/ssl/certs/ca-certificates.crt', '/usr/lib/ssl/openssl.cnf'];
const FALLBACK_DIRS = ['/usr/local/bin', '/usr/bin', '/bin'];

async function exists(path: string, mode = constants.R_OK): Promise<boolean> {
  return access(path, mode).then(() => true, () => false);
}

/** First executable called `name` on PATH (or the usual bin dirs); undefined when absent. */
export async function findExecutable(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...FALLBACK_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (await exists(candidate, constants.X_OK)) return candidate;
  }
  return undefined;
}

async function requireExecutable(name: string, pkg: string): Promise<string> {
  const found = await findExecutable(name);
  if (found) return found;
  throw new NanoclawError('base_image_input_missing', `\`${name}\` is not installed on this machine; the test base image is built from host binaries.`, {
    hint: `apt-get install -y ${pkg} (.ci/run installs it)`,
  });
}

/** Shared libraries of one binary or library; none for a static binary. */
export async function sharedLibraries(path: string): Promise<string[]> {
  try {
    const { stdout } = await run('ldd', [path]);
    return parseLddOutput(stdout);
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    if (/not a dynamic executable|statically linked/.test(stdout + stderr)) return [];
    throw err;
  }
}

/** git and its HTTPS and smart-HTTP helpers when the host has them (the client tests need them). */
async function gitInputs(): Promise<BaseImageInputs['git']> {
  const binary = await findExecutable('git');
  const helpers = ['git-remote-http', 'git-http-backend'].map((name) => join(GIT_EXEC_PATH, name));
  if (!binary) return undefined;
  for (const helper of helpers) if (!(await exists(helper, constants.X_OK))) return undefined;
  return { binary, helpers };
}

/** Collects the host binaries, their libraries and the files the base image is built from. */
export async function collectBaseImageInputs(): Promise<BaseImageInputs> {
  const node = process.execPath;
  const curl = await requireExecutable('curl', 'curl');
  const busybox = await requireExecutable('busybox', 'busybox-static');
  const openssl = await findExecutable('openssl');
  const git = await gitInputs();
  const binaries = [node, curl, busybox, ...(openssl ? [openssl] : []), ...(git ? [git.binary, ...git.helpers] : [])];
  const libraries = new Set<string>();
  for (const bin of binaries) for (const lib of await sharedLibraries(bin)) libraries.add(lib);
  const libc = [...libraries].find((l) => /\/libc\.so\.6$/.test(l));
  const libDir = libc ? dirname(libc) : '/lib/x86_64-linux-gnu';
  for (const name of DLOPENED_LIBS) {
    const path = join(libDir, name);
    if (!(await exists(path))) continue;
    libraries.add(path);
    for (const lib of await sharedLibraries(path)) libraries.add(lib);
  }
  const { stdout: appletList } = await run(busybox, ['--list']);
  const extraFiles: string[] = [];
  for (const file of EXTRA_FILES) if (await exists(file)) extraFiles.push(file);
  return {
    node,
    curl,
    busybox,
    ...(openssl ? { openssl } : {}),
    ...(git ? { git } : {}),
    libraries: [...libraries].sort(),
    applets: appletList.split('\n').map((a) => a.trim()).filter(Boolean),
    extraFiles,
  };
}
