import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

const DEBIAN_PG = '/usr/lib/postgresql';

/** The newest of Debian's Postgres installs (the `postgresql` package; .ci/run installs it), e.g. /usr/lib/postgresql/15/bin. */
export function postgresBin(): string | null {
  const versions = existsSync(DEBIAN_PG) ? readdirSync(DEBIAN_PG).filter((v) => existsSync(join(DEBIAN_PG, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(DEBIAN_PG, newest, 'bin') : null;
}

// Postgres refuses to run as root: as root, the cluster belongs to `nobody`.
const NOBODY = { uid: 65534, gid: 65534 };

export interface StartedPostgres extends AsyncDisposable {
  /** A superuser URL of the maintenance database `postgres`. */
  readonly url: string;
  /** The URL of a new, empty schema (search_path set in the URL): a vault of its own, made in a millisecond. */
  freshUrl(): Promise<string>;
  /** Restarts the server (fast shutdown: every connection is cut), same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A throwaway Postgres: a cluster in a temporary directory (initdb, trust auth on 127.0.0.1 and
 * a socket in that directory), started with pg_ctl on a free port. `stop()` (or `await using`)
 * stops the server, waiting for its processes to exit, and removes the directory.
 */
export async function startPostgres(): Promise<StartedPostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error(`Postgres is not installed under ${DEBIAN_PG} (apt-get install postgresql, or run .ci/run)`);
  const dir = mkdtempSync(join(tmpdir(), 'ncl-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, NOBODY.uid, NOBODY.gid);
  const pgRun = (tool: string, args: string[]) =>
    asRoot
      ? run('/usr/bin/setpriv', [`--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups', join(bin, tool), ...args], { cwd: dir })
      : run(join(bin, tool), args, { cwd: dir });
  const port = await freePort();
  let started = false;
  const stop = async () => {
    if (started) await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await pgRun('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--locale=C.UTF-8', '--encoding=UTF8']);
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=50`;
    await pgRun('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
    started = true;
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let schemas = 0;
  return {
    url,
    async freshUrl() {
      const name = `vault_${++schemas}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA ${name}`);
      } finally {
        await client.end();
      }
      return `${url}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
    },
    async restart() {
      // -l again: without it the server's output would hold pg_ctl's pipe open and the call would never end.
      await pgRun('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-m', 'fast', '-w', '-t', '60', 'restart']);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
