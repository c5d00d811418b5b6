import { execa } from 'execa';
import { NanoclawError } from '../common/errors.js';
import type { ImportItem } from './import-plan.js';

/** The attributes `keychain:ATTRIBUTE=VALUE` can search by, as `security` names them. */
export const KEYCHAIN_ATTRIBUTES = { service: 'svce', account: 'acct', label: '0x00000007' } as const;
export type KeychainAttribute = keyof typeof KEYCHAIN_ATTRIBUTES;

export interface KeychainItem {
  service: string;
  account: string;
  label: string;
}

/**
 * A value as `security` prints one (its print_buffer): `"text"` when every byte is printable
 * ASCII other than a backslash, else `0xHEX` (then `  "text"` with `\ooo` escapes, when some are).
 */
export function printedValue(raw: string): string | null {
  const hex = /^0x([0-9A-Fa-f]+)\b/.exec(raw);
  if (hex) return Buffer.from(hex[1]!, 'hex').toString('utf8').replace(/\0+$/, '');
  const quoted = /^"(.*)"$/.exec(raw);
  return quoted ? quoted[1]! : null;
}

/**
 * The generic-password items of `security dump-keychain` (without `-d`, which would print
 * secrets): blocks that start with `keychain: "…"`, of `class: "genp"`, with attribute lines such
 * as `"svce"<blob>="groq"`.
 */
export function parseKeychainDump(text: string): KeychainItem[] {
  const items: KeychainItem[] = [];
  let current: (KeychainItem & { genp: boolean }) | null = null;
  const flush = () => {
    if (current?.genp) items.push({ service: current.service, account: current.account, label: current.label });
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('keychain: ')) {
      flush();
      current = { service: '', account: '', label: '', genp: false };
      continue;
    }
    if (!current) continue;
    if (line.startsWith('class: ')) current.genp = line.trim() === 'class: "genp"';
    const m = /^\s+("?)([\w]+)\1\s?<blob>=(.*)$/.exec(line);
    const value = m ? printedValue(m[3]!.trim()) : null;
    if (!m || value === null) continue;
    if (m[2] === KEYCHAIN_ATTRIBUTES.service) current.service = value;
    else if (m[2] === KEYCHAIN_ATTRIBUTES.account) current.account = value;
    else if (m[2] === KEYCHAIN_ATTRIBUTES.label) current.label = value;
  }
  flush();
  return items;
}

/** Runs macOS's `security`; a clear error where there is none (it exists only on macOS). */
async function security(args: string[], env: NodeJS.ProcessEnv) {
  const r = await execa('security', args, { env, reject: false, stripFinalNewline: false, stdin: 'ignore' });
  if ((r as { code?: string }).code === 'ENOENT') {
    throw new NanoclawError('import_source_unavailable', 'The keychain source needs macOS\'s `security` command, and there is none on PATH', {
      hint: 'On Linux, import Secret Service items with keyring:ATTRIBUTE=VALUE instead',
    });
  }
  return r;
}

/**
 * The password in `find-generic-password -g`'s stderr: `password: ` and the value as print_buffer
 * prints it. Not `-w`: that prints a value with any byte outside printable ASCII as bare hex, which
 * no reader can tell from a value that is hex.
 */
export function passwordOfFindOutput(stderr: string): string | null {
  const line = stderr.split('\n').find((l) => l.startsWith('password: '));
  if (line === undefined) return null;
  const raw = line.slice('password: '.length).trim();
  return raw === '' ? '' : printedValue(raw);
}

/** The generic passwords whose attribute matches, each read with `security find-generic-password -g`. */
export async function readKeychain(opts: { attribute: KeychainAttribute; value: string; env: NodeJS.ProcessEnv }): Promise<ImportItem[]> {
  const dump = await security(['dump-keychain'], opts.env);
  if (dump.exitCode !== 0) {
    throw new NanoclawError('import_keychain_failed', `security dump-keychain failed (exit ${dump.exitCode}): ${String(dump.stderr).trim().slice(0, 200)}`, {
      hint: 'Unlock the login keychain (security unlock-keychain) and run the import again',
    });
  }
  const items = parseKeychainDump(String(dump.stdout)).filter((i) => i[opts.attribute] === opts.value);
  const out: ImportItem[] = [];
  for (const item of items) {
    // Names go on the command line (they are not secret); the password comes back on stderr only.
    const pin = [...(item.service ? ['-s', item.service] : []), ...(item.account ? ['-a', item.account] : []), ...(item.label ? ['-l', item.label] : [])];
    const r = await security(['find-generic-password', ...pin, '-g'], opts.env);
    const name = item.label || item.service;
    const value = r.exitCode === 0 ? passwordOfFindOutput(String(r.stderr)) : null;
    if (value === null) {
      throw new NanoclawError('import_keychain_failed', `security could not read the keychain item ${name} (exit ${r.exitCode})`, {
        hint: 'Allow the access when macOS asks, or unlock the keychain, and run the import again',
      });
    }
    out.push({ name, aliases: [item.service, item.account].filter(Boolean), value });
  }
  return out;
}
