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
 * exist, printing as keychain_utilities.c and keychain_find.c do: `dump-keychain` prints each
 * item's attributes (never data: that is `-d`); `find-generic-password [-s S] [-a A] [-l L]`
 * prints the first match's attributes on stdout, with `-g` then `password: VALUE` on stderr, with
 * `-w` only the password on stdout; no match: macOS's message on stderr and exit code 44. Every
 * value goes through print_buffer: `"text"` when each byte is printable ASCII other than `\`,
 * else `0xHEX` (and two spaces and the `\ooo`-escaped text when some bytes are printable). Each
 * call's arguments are appended to `argv.log`, so a test can see no value was on a command line.
 */
const SCRIPT = String.raw`#!/usr/bin/env node
const { appendFileSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const here = __dirname;
const args = process.argv.slice(2);
appendFileSync(join(here, 'argv.log'), JSON.stringify(args) + '\n');
const items = JSON.parse(readFileSync(join(here, 'keychain.json'), 'utf8'));
const printable = (b) => b >= 0x20 && b <= 0x7e && b !== 0x5c;
function printBuffer(value) {
  const bytes = Buffer.from(value, 'utf8');
  const hex = bytes.some((b) => !printable(b));
  const ascii = bytes.some(printable);
  let out = '';
  if (hex) out += '0x' + bytes.toString('hex').toUpperCase() + ' ' + (ascii ? ' ' : '');
  if (ascii) out += '"' + [...bytes].map((b) => (printable(b) ? String.fromCharCode(b) : '\\' + b.toString(8).padStart(3, '0'))).join('') + '"';
  return out;
}
const blob = (v) => (v === undefined || v === '' ? '<NULL>' : printBuffer(v));
function attributes(it) {
  const genp = (it.class || 'genp') === 'genp';
  const out = ['keychain: "/Users/test/Library/Keychains/login.keychain-db"', 'version: 512', 'class: "' + (it.class || 'genp') + '"', 'attributes:'];
  out.push('    0x00000007 <blob>=' + blob(it.label), '    0x00000008 <blob>=<NULL>', '    "acct"<blob>=' + blob(it.account));
  out.push('    "cdat"<timedate>=' + printBuffer('20261207045000Z\0'), '    "crtr"<uint32>=<NULL>');
  if (genp) out.push('    "gena"<blob>=<NULL>', '    "svce"<blob>=' + blob(it.service));
  else out.push('    "ptcl"<uint32>="htps"', '    "srvr"<blob>=' + blob(it.service));
  out.push('    "type"<uint32>=<NULL>');
  return out.join('\n') + '\n';
}
const cmd = args[0];
if (cmd === 'dump-keychain') {
  if (args.length > 1) { process.stderr.write('stand-in: dump-keychain takes no options here\n'); process.exit(2); }
  process.stdout.write(items.map(attributes).join(''));
  process.exit(0);
}
if (cmd === 'find-generic-password') {
  const want = {};
  let mode = '';
  for (let i = 1; i < args.length; i++) {
    if (args[i] === '-g' || args[i] === '-w') mode = args[i];
    else if (['-s', '-a', '-l'].includes(args[i])) want[args[i]] = args[++i];
    else { process.stderr.write('security: illegal option ' + args[i] + '\n'); process.exit(2); }
  }
  const hit = items.find((it) => (it.class || 'genp') === 'genp' && (want['-s'] === undefined || it.service === want['-s']) &&
    (want['-a'] === undefined || it.account === want['-a']) && (want['-l'] === undefined || (it.label || '') === want['-l']));
  if (!hit) { process.stderr.write('security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.\n'); process.exit(44); }
  if (mode === '-w') {
    // keychain_find.c: bare lowercase hex of each (signed) char when any byte is not isprint.
    const bytes = Buffer.from(hit.password, 'utf8');
    const hex = bytes.some((b) => b < 0x20 || b > 0x7e);
    process.stdout.write((hex ? [...bytes].map((b) => (b > 0x7f ? 'ffffff' : '') + b.toString(16).padStart(2, '0')).join('') : hit.password) + '\n');
    process.exit(0);
  }
  process.stdout.write(attributes(hit));
  if (mode === '-g') process.stderr.write('password: ' + printBuffer(hit.password) + '\n');
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
