import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GATEWAY_ALIAS } from '../../src/docker/vault-container-spec.js';

// compose/replicas.yml over docker-compose.yml: Postgres and two vaults answering as `gateway`.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE_DIR = join(ROOT, 'compose');
const FILES = ['docker-compose.yml', 'replicas.yml'].map((f) => join(COMPOSE_DIR, f));
const COMPOSE = (process.env.PATH ?? '')
  .split(':')
  .map((dir) => join(dir, 'docker-compose'))
  .find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

type Any = Record<string, any>;
const keyHex = 'ab'.repeat(32);
let dir = '';
let required: Record<string, string> = {};

/** `docker-compose config` of both files, with only `vars` (and PATH) in its environment and no compose/.env. */
async function render(vars: Record<string, string> = {}): Promise<{ config: Any | null; stdout: string; stderr: string; exitCode: number | undefined }> {
  const emptyEnv = join(dir, 'empty.env');
  const result = await execa(COMPOSE!, [...FILES.flatMap((f) => ['-f', f]), '--project-directory', COMPOSE_DIR, '--env-file', emptyEnv, 'config'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...required, ...vars },
    extendEnv: false,
    reject: false,
  });
  return { config: result.exitCode === 0 ? (parse(result.stdout) as Any) : null, stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
}

/** A vault service without what must differ between replicas: its name, its API port and URL, its data volume. */
function replicaShape(service: Any): Any {
  const { container_name: _name, ports: _ports, environment, volumes, ...rest } = service;
  const { NANOCLAW_VAULT_PUBLIC_URL: _url, ...env } = environment as Record<string, string>;
  return { ...rest, environment: env, volumes: (volumes as Any[]).filter((v) => v.target !== '/data') };
}

describe.skipIf(!COMPOSE)('compose/replicas.yml (the replicas profile)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nanoclaw-compose-replicas-'));
    writeFileSync(join(dir, 'master.key'), `${keyHex}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'empty.env'), '');
    required = { NANOCLAW_VAULT_KEY_FILE: join(dir, 'master.key'), NANOCLAW_API_KEY_SHA256: 'c'.repeat(64) };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs two vaults that are one vault under two names, both answering as gateway, both on the Postgres service', async () => {
    const { config, stderr, exitCode, stdout } = await render();
    expect(exitCode, stderr).toBe(0);
    const { vault, 'vault-2': second, postgres } = config!.services as Any;
    expect(replicaShape(second)).toEqual(replicaShape(vault));
    for (const v of [vault, second]) {
      expect(v.networks.egress.aliases).toEqual([GATEWAY_ALIAS]);
      expect(Object.keys(v.networks).sort()).toEqual(['egress', 'outbound', 'store']);
      expect(v.environment.NANOCLAW_DATABASE_URL).toBe('postgres://nanoclaw@postgres:5432/nanoclaw');
      expect(v.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    }
    // Distinct where two containers must be: names, published ports, data volumes.
    expect(second.container_name).not.toBe(vault.container_name);
    expect(second.ports).not.toEqual(vault.ports);
    const dataVolume = (s: Any) => config!.volumes[(s.volumes as Any[]).find((v) => v.target === '/data')!.source].name;
    expect(dataVolume(second)).not.toBe(dataVolume(vault));
    expect(stdout).not.toContain(keyHex);

    // Postgres: only on the internal store network, nothing published, hardened like the vault.
    expect(Object.keys(postgres.networks)).toEqual(['store']);
    expect(postgres.ports).toBeUndefined();
    expect(config!.networks.store.internal).toBe(true);
    expect(postgres).toMatchObject({ cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'], read_only: true });
    expect(existsSync(join(postgres.build.context, 'Dockerfile'))).toBe(true);
    expect(postgres.build.args.BASE_IMAGE).toBe('debian:bookworm-slim');
  });

  it('follows NANOCLAW_DATABASE_URL and the names it is given, the same for both vaults', async () => {
    const url = 'postgres://vault@db.example:5432/team';
    const { config, stderr, exitCode } = await render({ NANOCLAW_DATABASE_URL: url, ONECLI_GATEWAY_CONTAINER: 'nc-x', NANOCLAW_POSTGRES_BASE_IMAGE: 'local/pg-base:1' });
    expect(exitCode, stderr).toBe(0);
    const services = config!.services as Any;
    expect([services.vault.environment.NANOCLAW_DATABASE_URL, services['vault-2'].environment.NANOCLAW_DATABASE_URL]).toEqual([url, url]);
    expect([services.vault.container_name, services['vault-2'].container_name, services.postgres.container_name]).toEqual(['nc-x', 'nc-x-2', 'nc-x-postgres']);
    expect(services.postgres.build.args.BASE_IMAGE).toBe('local/pg-base:1');
  });

  it('documents in compose/README.md every variable it reads', () => {
    const text = readFileSync(FILES[1]!, 'utf8');
    const readme = readFileSync(join(COMPOSE_DIR, 'README.md'), 'utf8');
    const vars = [...new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] as string))];
    expect(vars).toContain('NANOCLAW_DATABASE_URL');
    expect(vars.filter((v) => !readme.includes(v))).toEqual([]);
  });
});
