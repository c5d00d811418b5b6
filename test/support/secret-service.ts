import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

// A real Secret Service for tests: a private D-Bus session bus and gnome-keyring-daemon on it,
// with the keyring files in a temp HOME so no test touches the user's own keyring.
// @napi-rs/keyring connects once per process with the DBUS_SESSION_BUS_ADDRESS it sees on its
// first call, and keeps that connection (or that failure) for the life of the process: start
// this before anything in the process talks to the keyring, and only once per test file.

const run = promisify(execFile);
const NEEDED = ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon'];

export interface StartedSecretService extends AsyncDisposable {
  /** DBUS_SESSION_BUS_ADDRESS and the temp HOME/XDG dirs, for child processes that should use it. */
  env: Record<string, string>;
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Resolves with the first stdout line of `child`, or rejects after `ms` saying what it waited for. */
function firstLine(child: ChildProcess, what: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no address after ${ms} ms (stderr: ${err.trim()})`)), ms);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl).trim());
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code} (stderr: ${err.trim()})`)));
  });
}

async function dbusCall(env: NodeJS.ProcessEnv, dest: string, path: string, method: string, arg: string): Promise<string> {
  const { stdout } = await run('dbus-send', ['--session', '--print-reply', `--dest=${dest}`, path, method, arg], { env, timeout: 5_000 });
  return stdout;
}

/** Polls until the keyring daemon owns org.freedesktop.secrets and has a default (login) collection. */
async function waitForKeyring(env: NodeJS.ProcessEnv, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 'not asked yet';
  while (Date.now() < deadline) {
    try {
      // NameHasOwner first: asking org.freedesktop.secrets directly could D-Bus-activate a second daemon.
      const owned = await dbusCall(env, 'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets');
      if (owned.includes('boolean true')) {
        const alias = await dbusCall(env, 'org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.ReadAlias', 'string:default');
        if (alias.includes('/collection/')) return;
        last = 'no default collection yet';
      } else last = 'org.freedesktop.secrets has no owner yet';
    } catch (err) {
      last = String(err);
    }
    await sleep(100);
  }
  throw new Error(`Secret Service not ready after ${ms} ms (last: ${last})`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts dbus-daemon and an unlocked gnome-keyring-daemon (secrets component) and points this
 * process's DBUS_SESSION_BUS_ADDRESS at them. Disposing stops both and restores the variable.
 */
export async function startSecretService({ timeoutMs = 15_000 } = {}): Promise<StartedSecretService> {
  const missing = NEEDED.filter((bin) => !onPath(bin));
  if (missing.length > 0) {
    throw new Error(`A real Secret Service needs ${missing.join(', ')}, not found on PATH; install with: apt-get install gnome-keyring dbus-x11`);
  }
  const home = mkdtempSync(join(tmpdir(), 'ncl-secret-service-'));
  const dirs = { HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache'), XDG_RUNTIME_DIR: join(home, 'run') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const children: ChildProcess[] = [];
  const previous = process.env.DBUS_SESSION_BUS_ADDRESS;
  const dispose = async () => {
    for (const child of children.reverse()) await stop(child);
    if (previous === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = previous;
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const baseEnv = { ...process.env, ...dirs };
    const bus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1', `--address=unix:path=${join(home, 'bus')}`], { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(bus);
    const address = await firstLine(bus, 'dbus-daemon', timeoutMs);
    const env = { ...dirs, DBUS_SESSION_BUS_ADDRESS: address };
    // --unlock reads the login keyring's password from stdin: an empty line makes an unlocked, empty one.
    const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env: { ...baseEnv, ...env }, stdio: ['pipe', 'ignore', 'pipe'] });
    children.push(keyring);
    keyring.stdin?.end('\n');
    await waitForKeyring({ ...baseEnv, ...env }, timeoutMs);
    process.env.DBUS_SESSION_BUS_ADDRESS = address;
    return { env, [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
