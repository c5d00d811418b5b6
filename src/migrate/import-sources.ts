import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { execa } from 'execa';
import { NanoclawError, UsageError } from '../common/errors.js';
import { readEnvFile } from '../config/env-file-io.js';
import { gopassStoreDir } from './gopass-store.js';
import type { ImportItem } from './import-plan.js';
import { KEYCHAIN_ATTRIBUTES, readKeychain, type KeychainAttribute } from './keychain-source.js';

/** Where `ncl secrets import` reads: a pass or gopass store, Secret Service or macOS keychain items, or a .env file. */
export type ImportSource =
  | { kind: 'pass'; dir: string; prefix: string }
  | { kind: 'gopass'; prefix: string }
  | { kind: 'keyring'; attribute: string; value: string }
  | { kind: 'keychain'; attribute: KeychainAttribute; value: string }
  | { kind: 'dotenv'; path: string };

export const IMPORT_SOURCES = 'pass[:prefix], gopass[:prefix], keyring:attribute=value, keychain:service|account|label=value or dotenv:FILE';

/** `attribute=value` of a keyring or keychain source. */
function attributeSearch(kind: string, arg: string): { attribute: string; value: string } {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UsageError(`${kind} needs an attribute to search, e.g. ${kind}:service=nanoclaw`);
  return { attribute: arg.slice(0, eq), value: arg.slice(eq + 1) };
}

/** Parses one of {@link IMPORT_SOURCES}. */
export function parseImportSource(spec: string, env: NodeJS.ProcessEnv, cwd: string): ImportSource {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? '' : spec.slice(colon + 1);
  const home = env.HOME ?? homedir();
  switch (kind) {
    case 'pass':
      return { kind, dir: env.PASSWORD_STORE_DIR ?? join(home, '.password-store'), prefix: arg };
    case 'gopass':
      // Where its store is, gopass's own settings say: found when the import reads.
      return { kind, prefix: arg };
    case 'keyring':
      return { kind, ...attributeSearch(kind, arg) };
    case 'keychain': {
      const { attribute, value } = attributeSearch(kind, arg);
      if (!Object.hasOwn(KEYCHAIN_ATTRIBUTES, attribute)) throw new UsageError(`keychain searches by service, account or label (got "${attribute}")`);
      return { kind, attribute: attribute as KeychainAttribute, value };
    }
    case 'dotenv':
      if (!arg) throw new UsageError('dotenv needs a file, e.g. dotenv:.env.old');
      return { kind, path: join(cwd, arg) };
    default:
      throw new UsageError(`unknown import source "${kind}": use ${IMPORT_SOURCES}`);
  }
}

/** Every `.gpg` entry below the store's prefix, as pass names them (path without the extension). */
async function storeEntries(dir: string, prefix: string): Promise<string[]> {
  const root = join(dir, prefix);
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true, recursive: true });
  } catch (err) {
    throw new NanoclawError('import_source_missing', `No password store at ${root}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, {
      hint: 'Set PASSWORD_STORE_DIR to the store (pass and gopass both read it), or name a prefix that exists',
    });
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.gpg'))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/').replace(/\.gpg$/, ''))
    .sort();
}

/** The entry's password: the first line of the decrypted file, as pass and gopass read it. */
async function decryptEntry(dir: string, name: string, env: NodeJS.ProcessEnv): Promise<string> {
  // stdin stays the terminal so gpg's pinentry can ask for a key's passphrase.
  const r = await execa('gpg', ['--quiet', '--decrypt', join(dir, `${name}.gpg`)], { env, stdin: 'inherit', reject: false, stripFinalNewline: false });
  if (r.exitCode !== 0) {
    throw new NanoclawError('import_decrypt_failed', `gpg could not decrypt ${name} (exit ${r.exitCode})`, {
      hint: 'Check that its key is in your keyring and unlocked: pass show <entry> should print it',
    });
  }
  return String(r.stdout).split('\n')[0]!.replace(/\r$/, '');
}

/** The items of a Secret Service search: `secret-tool search --all` blocks of `key = value` lines. */
export function parseSecretToolOutput(text: string): { label: string; attributes: Record<string, string>; secret: string }[] {
  const items: { label: string; attributes: Record<string, string>; secret: string }[] = [];
  let current: (typeof items)[number] | null = null;
  for (const line of text.split('\n')) {
    if (/^\[.*\]$/.test(line)) {
      current = { label: '', attributes: {}, secret: '' };
      items.push(current);
      continue;
    }
    const m = /^([\w.-]+) = (.*)$/.exec(line);
    if (!current || !m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'label') current.label = value;
    else if (key === 'secret') current.secret = value;
    else if (key.startsWith('attribute.')) current.attributes[key.slice('attribute.'.length)] = value;
  }
  return items;
}

/** Reads every credential of a source. Values stay in memory; nothing is printed. */
export async function readImportSource(source: ImportSource, env: NodeJS.ProcessEnv): Promise<ImportItem[]> {
  switch (source.kind) {
    case 'pass':
    case 'gopass': {
      const dir = source.kind === 'pass' ? source.dir : await gopassStoreDir(env);
      const names = await storeEntries(dir, source.prefix);
      const items: ImportItem[] = [];
      for (const name of names) items.push({ name, value: await decryptEntry(dir, name, env) });
      return items;
    }
    case 'keychain':
      return readKeychain({ attribute: source.attribute, value: source.value, env });
    case 'keyring': {
      const r = await execa('secret-tool', ['search', '--all', source.attribute, source.value], { env, reject: false });
      if (r.exitCode !== 0 && String(r.stderr).trim() !== '') {
        throw new NanoclawError('import_keyring_failed', `secret-tool search failed: ${String(r.stderr).trim().slice(0, 200)}`, {
          hint: 'Is a Secret Service (gnome-keyring, KeePassXC) running and unlocked in this session?',
        });
      }
      return parseSecretToolOutput(String(r.stdout)).map((i) => ({
        name: i.label || Object.values(i.attributes).join('/'),
        aliases: Object.values(i.attributes),
        value: i.secret,
      }));
    }
    case 'dotenv': {
      const doc = await readEnvFile(source.path);
      if (!doc) throw new NanoclawError('import_source_missing', `No file at ${source.path}`, { hint: 'Name an existing .env file: dotenv:path/to/.env' });
      return Object.entries(doc.toRecord()).map(([name, value]) => ({ name, value }));
    }
  }
}
