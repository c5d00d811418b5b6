import { createHash, randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_LAYOUT } from '../../src/common/package-layout.js';
import { requireDocker } from '../support/docker-engine.js';
import { freePort } from '../support/free-port.js';
import { ensurePostgresBaseImage } from '../support/postgres-image.js';
import { runCli } from './cli-run.js';
import { ensureProductImages } from '../support/product-images.js';
import { runContainer } from '../support/run-container.js';
import { testRunId } from '../support/test-labels.js';

// One real bring-up of compose/replicas.yml: Postgres built here from Debian's package (offline),
// two vault replicas on it, both named `gateway` on the lockdown network. About a minute on top of
// the product images, which the other container tests build anyway.
const COMPOSE_DIR = fileURLToPath(new URL('../../compose/', import.meta.url));
const FILES = ['docker-compose.yml', 'replicas.yml'].flatMap((f) => ['-f', join(COMPOSE_DIR, f)]);
const id = randomBytes(3).toString('hex');
const project = `ncl-replicas-${id}`;
const apiKey = `oc_${randomBytes(32).toString('hex')}`;
let docker: Docker;
let dir = '';
let vars: Record<string, string> = {};
let base = '';
const ports = { a: 0, b: 0 };

const compose = (args: string[]) =>
  execa('docker-compose', ['-p', project, ...FILES, '--project-directory', COMPOSE_DIR, '--env-file', join(dir, 'empty.env'), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}), ...vars },
    extendEnv: false,
    reject: false,
  });

/** A /24 no Docker network on this engine uses yet. */
async function freeSubnet(): Promise<string> {
  const used = new Set(
    (await docker.listNetworks()).flatMap((n) => (n.IPAM?.Config ?? []).map((c) => (c as { Subnet?: string }).Subnet?.split('.').slice(0, 3).join('.'))),
  );
  for (let third = 0; third < 256; third++) {
    const prefix = `10.213.${third}`;
    if (!used.has(prefix)) return prefix;
  }
  throw new Error('no free 10.213.x.0/24 subnet');
}

async function health(port: number): Promise<any> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/health`);
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, ms = 120_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > until) {
      const logs = await compose(['logs', '--tail', '30']);
      throw new Error(`timed out waiting for ${what}\n${logs.stdout}\n${logs.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The environment of `ncl vault up` for a container `name` on this stack's networks, its own volume and port. */
function upEnv(name: string, port: number, keyFile: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: join(dir, `home-${name}`),
    NANOCLAW_VAULT_KEY_FILE: keyFile,
    ONECLI_GATEWAY_CONTAINER: `${project}-${name}`,
    NANOCLAW_OUTBOUND_NETWORK: vars.NANOCLAW_OUTBOUND_NETWORK,
    NANOCLAW_EGRESS_NETWORK: vars.NANOCLAW_EGRESS_NETWORK,
    NANOCLAW_VAULT_VOLUME: `${project}-${name}-data`,
    NANOCLAW_VAULT_PORT: String(port),
    NANOCLAW_VAULT_IMAGE: vars.NANOCLAW_VAULT_IMAGE,
  };
}

/** The stack's Postgres, reachable by its container name from the outbound network (as a database elsewhere would be by its host name). */
async function postgresOnOutbound(): Promise<string> {
  const name = `${project}-postgres`;
  const info = await docker.getContainer(name).inspect();
  if (!info.NetworkSettings.Networks[vars.NANOCLAW_OUTBOUND_NETWORK!]) {
    await docker.getNetwork(vars.NANOCLAW_OUTBOUND_NETWORK!).connect({ Container: name });
  }
  return name;
}

beforeAll(async () => {
  docker = await requireDocker();
  dir = mkdtempSync(join(tmpdir(), 'ncl-replicas-up-'));
  writeFileSync(join(dir, 'empty.env'), '');
  const keyFile = join(dir, 'master.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  if (process.getuid?.() === 0) chownSync(keyFile, 1000, 1000); // the vault runs as 1000:1000
  const [images, pgBase] = [await ensureProductImages({ docker }), await ensurePostgresBaseImage({ docker })];
  base = images.base;
  const subnet = await freeSubnet();
  ports.a = await freePort();
  ports.b = await freePort();
  vars = {
    NANOCLAW_VAULT_KEY_FILE: keyFile,
    NANOCLAW_API_KEY_SHA256: createHash('sha256').update(apiKey).digest('hex'),
    NANOCLAW_VAULT_USER: process.getuid?.() === 0 ? '1000:1000' : `${process.getuid?.()}:${process.getgid?.()}`,
    NANOCLAW_VAULT_IMAGE: images.vault,
    NANOCLAW_POSTGRES_IMAGE: `nanoclaw-test-postgres:${testRunId()}`,
    NANOCLAW_POSTGRES_BASE_IMAGE: pgBase,
    ONECLI_GATEWAY_CONTAINER: project,
    NANOCLAW_OUTBOUND_NETWORK: `${project}-out`,
    NANOCLAW_EGRESS_NETWORK: `${project}-egress`,
    NANOCLAW_STORE_NETWORK: `${project}-store`,
    NANOCLAW_VAULT_VOLUME: `${project}-data`,
    NANOCLAW_POSTGRES_VOLUME: `${project}-pg`,
    NANOCLAW_VAULT_PORT: String(ports.a),
    NANOCLAW_VAULT_2_PORT: String(ports.b),
    NANOCLAW_OUTBOUND_SUBNET: `${subnet}.0/24`,
    NANOCLAW_OUTBOUND_GATEWAY: `${subnet}.1`,
    NANOCLAW_API_ALLOW_FROM: `${subnet}.1`,
  };
  const built = await compose(['build', 'postgres']);
  expect(built.exitCode, built.stderr).toBe(0);
  const up = await compose(['up', '-d']);
  expect(up.exitCode, up.stderr).toBe(0);
}, 900_000);

afterAll(async () => {
  if (dir) {
    await compose(['down', '-v', '--timeout', '5']);
    await docker?.getImage(vars.NANOCLAW_POSTGRES_IMAGE ?? '').remove().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

describe('compose/replicas.yml, brought up', () => {
  it('runs two vaults on one Postgres: both list both replicas, share the store, and answer agents as gateway', async () => {
    const fromA = await waitFor('two live replicas', async () => {
      const h = await health(ports.a);
      return h?.replicas?.live === 2 ? h : null;
    });
    expect(fromA).toMatchObject({ status: 'ok', store: 'postgres', storeLocation: { kind: 'postgres', host: 'postgres', port: 5432, database: 'nanoclaw' } });
    const fromB = await waitFor('vault-2 healthy', () => health(ports.b));
    expect(new Set(fromB.replicas.list.map((r: { id: string }) => r.id))).toEqual(new Set(fromA.replicas.list.map((r: { id: string }) => r.id)));

    // One store behind both APIs: a secret made through one is listed by the other.
    const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    const made = await fetch(`http://127.0.0.1:${ports.a}/v1/secrets`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'shared', type: 'api_key', value: randomBytes(16).toString('hex'), hostPattern: 'api.example.test' }),
    });
    expect(made.status, await made.clone().text()).toBe(201);
    const listed = (await (await fetch(`http://127.0.0.1:${ports.b}/v1/secrets`, { headers: auth })).json()) as { data: { name: string }[] };
    expect(listed.data.map((s) => s.name)).toContain('shared');

    // The engine's DNS gives the lockdown network both vaults under the one name.
    const egressIps = await Promise.all(
      [project, `${project}-2`].map(async (name) => (await docker.getContainer(name).inspect()).NetworkSettings.Networks[vars.NANOCLAW_EGRESS_NETWORK!]!.IPAddress),
    );
    const lookup = await runContainer({ docker, image: base, cmd: ['nslookup', 'gateway'], network: vars.NANOCLAW_EGRESS_NETWORK! });
    // busybox: the server first ("Address: 127.0.0.11:53"), then one "Address: <ip>" line per answer.
    const answered = [...String(lookup.stdout).matchAll(/^Address:\s*(\S+)\s*$/gm)].map((m) => m[1]!).filter((a) => !a.startsWith('127.0.0.11'));
    expect(new Set(answered)).toEqual(new Set(egressIps));

    // One stops; the other keeps serving and no longer lists it.
    const stopped = await compose(['stop', 'vault']);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    const alone = await waitFor('vault-2 alone', async () => {
      const h = await health(ports.b);
      return h?.replicas?.live === 1 ? h : null;
    });
    expect(alone.replicas.list).toEqual([expect.objectContaining({ self: true })]);
  });

  it('ncl vault up --database-url joins a vault container to that database, the URL and its password only in a mounted file', async () => {
    await postgresOnOutbound();
    const password = `pw-${randomBytes(6).toString('hex')}`; // trust auth ignores it; it must show nowhere
    const url = `postgres://nanoclaw:${password}@${project}-postgres:5432/nanoclaw`;
    const port = await freePort();
    // The shared store's API key: a new one would replace it for every replica.
    const env = { ...upEnv('up', port, vars.NANOCLAW_VAULT_KEY_FILE!), ONECLI_API_KEY: apiKey };
    const cwd = join(dir, 'project');
    mkdirSync(cwd);
    try {
      const up = await runCli(['vault', 'up', '--no-build', '--json', '--database-url', url], { cwd, env });
      expect(up.code, up.stderr).toBe(0);
      expect(up.json.database).toBe(`postgres://nanoclaw:***@${project}-postgres:5432/nanoclaw`);
      expect(up.stdout + up.stderr).not.toContain(password);
      const info = await docker.getContainer(`${project}-up`).inspect();
      expect(info.Config.Env).toContain('NANOCLAW_DATABASE_URL_FILE=/run/nanoclaw/database.url');
      expect(JSON.stringify(info.Config)).not.toContain(password);
      // It serves the shared store: it and vault-2 are the live replicas, and the secret made earlier is there.
      const h = await waitFor('the new container beside vault-2', async () => {
        const body = await health(port);
        return body?.replicas?.live === 2 ? body : null;
      });
      expect(h).toMatchObject({ store: 'postgres', storeLocation: { host: `${project}-postgres`, database: 'nanoclaw' } });
      expect(JSON.stringify(h)).not.toContain(password);
      const listed = (await (await fetch(`http://127.0.0.1:${port}/v1/secrets`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as { data: { name: string }[] };
      expect(listed.data.map((s) => s.name)).toContain('shared');
    } finally {
      await runCli(['vault', 'down', '--purge', '--json'], { cwd, env });
    }
  });

  it('moves a vault from its Docker volume to Postgres: vault down, migrate-store in the vault image against the volume, vault up --database-url', async () => {
    const pgHost = await postgresOnOutbound();
    const created = await docker.getContainer(pgHost).exec({ Cmd: ['sh', '-c', 'BIN=$(ls -d /usr/lib/postgresql/*/bin | tail -n 1); "$BIN/createdb" -h 127.0.0.1 -U nanoclaw moved'], AttachStdout: true, AttachStderr: true });
    await new Promise<void>((resolve, reject) => created.start({}, (err, stream) => (err ? reject(err) : stream!.on('end', () => resolve()).resume())));
    expect((await created.inspect()).ExitCode).toBe(0);
    const url = `postgres://nanoclaw@${pgHost}:5432/moved`;
    const keyFile = join(dir, 'moved.key');
    writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    if (process.getuid?.() === 0) chownSync(keyFile, 1000, 1000);
    const port = await freePort();
    const env = upEnv('moved', port, keyFile);
    const cwd = join(dir, 'moved-project');
    mkdirSync(cwd);
    try {
      // A vault on SQLite in its volume, holding one secret.
      const up = await runCli(['vault', 'up', '--no-build', '--json'], { cwd, env });
      expect(up.code, up.stderr).toBe(0);
      const key = /^ONECLI_API_KEY=(\S+)$/m.exec(readFileSync(join(cwd, '.env'), 'utf8'))![1]!;
      const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const made = await fetch(`http://127.0.0.1:${port}/v1/secrets`, {
        method: 'POST', headers: auth, body: JSON.stringify({ name: 'moved', type: 'api_key', value: randomBytes(16).toString('hex'), hostPattern: 'api.example.test' }),
      });
      expect(made.status).toBe(201);
      expect((await runCli(['vault', 'down', '--json'], { cwd, env })).code).toBe(0);

      // The move, run by the vault image on the stopped vault's volume (README: "the vault in its container").
      const moved = await runContainer({
        docker,
        image: vars.NANOCLAW_VAULT_IMAGE!,
        user: '1000:1000',
        network: vars.NANOCLAW_OUTBOUND_NETWORK!,
        binds: [`${env.NANOCLAW_VAULT_VOLUME}:/data`, `${keyFile}:/run/nanoclaw/master.key:ro`],
        env: { NANOCLAW_VAULT_KEY_FILE: '/run/nanoclaw/master.key', HOME: '/tmp' },
        cmd: ['node', `/app/${PACKAGE_LAYOUT.cliEntry}`, 'vault', 'migrate-store', '--to', url, '--data-dir', '/data', '--json'],
        timeoutMs: 120_000,
      });
      expect(moved.exitCode, String(moved.stderr)).toBe(0);
      expect(JSON.parse(String(moved.stdout))).toMatchObject({ verified: true, counts: { secrets: 1 } });

      const onPg = await runCli(['vault', 'up', '--no-build', '--json', '--database-url', url], { cwd, env });
      expect(onPg.code, onPg.stderr).toBe(0);
      expect(await health(port)).toMatchObject({ store: 'postgres', storeLocation: { database: 'moved' } });
      const listed = (await (await fetch(`http://127.0.0.1:${port}/v1/secrets`, { headers: auth })).json()) as { data: { name: string }[] };
      expect(listed.data.map((s) => s.name)).toEqual(['moved']);
      // Down takes the mounted copy of the URL (it may hold a password) with the container.
      const urlFiles = () => readdirSync(env.HOME!, { recursive: true }).filter((f) => String(f).endsWith('.database-url'));
      expect(urlFiles()).toHaveLength(1);
      expect((await runCli(['vault', 'down', '--json'], { cwd, env })).code).toBe(0);
      expect(urlFiles()).toEqual([]);
    } finally {
      await runCli(['vault', 'down', '--purge', '--json'], { cwd, env });
    }
  });
});
