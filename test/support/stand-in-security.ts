import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StandInKeychainItem {
  /** `genp` (generic password, the default) or `inet` (internet password). */
  class?: 'genp' | 'inet';
  service: string;
  account: string;
  label?: string;
  password: string;
}

/**
 * macOS's `security` for the two subcommands the keychain import uses, for Linux where it cannot
 * exist: `dump-keychain` prints the items' attributes in macOS's format (never data: that is
 * `-d`), and `find-generic-password [-s S] [-a A] [-l L] -w` prints the first matching
 * password, or says it is not found with macOS's message and exit code 44. Each call's arguments
 * are appended to `argv.log`, so a test can check no value was ever on a command line.
 */
const SCRIPT = String.raw`#!/usr/bin/env node
const { appendFileSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const here = __dirname;
const args = process.argv.slice(2);
appendFileSync(join(here, 'argv.log'), JSON.stringify(args) + '\n');
const items = JSON.parse(readFileSync(join(here, 'keychain.json'), 'utf8'));
const KC = 'keychain: "/Users/test/Library/Keychains/login.keychain-db"';
// Plain ASCII prints quoted; anything else as hex, then the bytes octal-escaped, as macOS does.
function blob(v) {
  if (v === undefined || v === '') return '<NULL>';
  if (/^[\x20-\x7e]*$/.test(v) && !v.includes('"')) return '"' + v + '"';
  const bytes = Buffer.from(v, 'utf8');
  const esc = [...bytes].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : '\\' + b.toString(8).padStart(3, '0'))).join('');
  return '0x' + bytes.toString('hex').toUpperCase() + '  "' + esc + '"';
}
const NOT_FOUND = 'security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.';
const cmd = args[0];
if (cmd === 'dump-keychain') {
  if (args.includes('-d')) { process.stderr.write('stand-in: -d would print secrets\n'); process.exit(1); }
  const out = [];
  for (const it of items) {
    out.push(KC, 'version: 512', 'class: "' + (it.class || 'genp') + '"', 'attributes:');
    out.push('    0x00000007 <blob>=' + blob(it.label), '    0x00000008 <blob>=<NULL>', '    "acct"<blob>=' + blob(it.account));
    out.push('    "cdat"<timedate>=0x32303236313230373034353030305A00  "20261207045000Z\\000"', '    "crtr"<uint32>=<NULL>');
    if ((it.class || 'genp') === 'genp') out.push('    "gena"<blob>=<NULL>', '    "svce"<blob>=' + blob(it.service));
    else out.push('    "srvr"<blob>=' + blob(it.service), '    "ptcl"<uint32>="htps"');
    out.push('    "type"<uint32>=<NULL>');
  }
  process.stdout.write(out.join('\n') + '\n');
  process.exit(0);
}
if (cmd === 'find-generic-password') {
  const want = {};
  let w = false;
  for (let i = 1; i < args.length; i++) {
    if (args[i] === '-w') w = true;
    else if (['-s', '-a', '-l'].includes(args[i])) want[args[i]] = args[++i];
    else { process.stderr.write('security: unknown option ' + args[i] + '\n'); process.exit(2); }
  }
  const hit = items.find((it) => (it.class || 'genp') === 'genp' && (want['-s'] === undefined || it.service === want['-s']) &&
    (want['-a'] === undefined || it.account === want['-a']) && (want['-l'] === undefined || (it.label || '') === want['-l']));
  if (!hit) { process.stderr.write(NOT_FOUND + '\n'); process.exit(44); }
  if (!w) { process.stderr.write('stand-in: only -w is spoken here\n'); process.exit(2); }
  process.stdout.write(hit.password + '\n');
  process.exit(0);
}
process.stderr.write('stand-in security does not speak ' + cmd + '\n');
process.exit(2);
`;

/** Writes the stand-in and its items into `dir` (put it first on PATH); returns the argv log's path. */
export function installStandInSecurity(dir: string, items: readonly StandInKeychainItem[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'keychain.json'), JSON.stringify(items), { mode: 0o600 });
  writeFileSync(join(dir, 'security'), SCRIPT);
  chmodSync(join(dir, 'security'), 0o755);
  return join(dir, 'argv.log');
}
