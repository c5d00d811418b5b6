import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SETTING_VARIABLES, SettingsSchema } from '../../src/config/settings-schema.js';
import { defaultImageRef } from '../../src/docker/build-context.js';
import { egressNetworkSpec, networkDifferences, outboundNetworkSpec, type NetworkSpec } from '../../src/docker/network-spec.js';
import { VAULT_API_PORT } from '../../src/config/ports.js';
import { containerUser, IMAGE_UID, KEY_MOUNT_PATH, vaultContainerSpec, GATEWAY_ALIAS } from '../../src/docker/vault-container-spec.js';

// The compose file must describe what `ncl vault up` creates; every comparison below is
// against the launcher's own pure specs, so a change on either side that the other lacks fails.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILE = join(ROOT, 'compose/docker-compose.yml');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** Debian's docker-compose on PATH (.ci/run installs it), else null. */
function findCompose(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    try {
      accessSync(join(dir, 'docker-compose'), constants.X_OK);
      return join(dir, 'docker-compose');
    } catch {
      // not in this directory
    }
  }
  return null;
}
const COMPOSE = findCompose();

const keyHex = 'ab'.repeat(32); // a stand-in key: the test only checks it never lands in the config
const apiKeySha256 = 'c'.repeat(64);
let dir = '';
let keyFile = '';

// The rendered config is checked field by field against the specs, so loose typing is enough here.
type Any = Record<string, any>;

/** `docker-compose config` with only `vars` (and PATH) in its environment, parsed with yaml. */
async function composeConfig(vars: Record<string, string>) {
  const result = await execa(COMPOSE as string, ['-f', FILE, '--project-directory', dir, 'config'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...vars },
    extendEnv: false,
    reject: false,
  });
  return { ...result, config: result.exitCode === 0 ? (parse(result.stdout) as Any) : null };
}

const nanoseconds = (d: string) => {
  const m = /^(\d+)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * { ms: 1e6, s: 1e9, m: 60e9 }[m[2] as 'ms' | 's' | 'm'];
};
const bytes = (s: string) => Number(/^(\d+)m$/.exec(s)?.[1]) * 1024 * 1024;

function expectNetwork(composed: Any | undefined, spec: NetworkSpec) {
  expect(composed, `network ${spec.name}`).toBeDefined();
  const net = composed as Any;
  expect(net.name).toBe(spec.name);
  expect(net.internal ?? false).toBe(spec.internal);
  expect(net.driver_opts ?? {}).toEqual(spec.options);
  const inspected = { Name: net.name, Driver: net.driver, Internal: net.internal, EnableIPv6: net.enable_ipv6, Options: net.driver_opts ?? null };
  expect(networkDifferences(spec, inspected)).toEqual([]);
}

/** The whole comparison for one set of settings variables. */
function expectMatchesLauncher(config: Any, vars: Record<string, string>) {
  const raw = Object.fromEntries(Object.entries(SETTING_VARIABLES).map(([setting, variable]) => [setting, vars[variable]]));
  const s = SettingsSchema.parse(raw);
  const vault = config.services.vault as Any;
  const outboundGateway = config.networks.outbound.ipam.config[0].gateway as string;
  const spec = vaultContainerSpec({
    name: s.gatewayContainer,
    image: s.vaultImage ?? defaultImageRef('vault', VERSION),
    volume: s.vaultVolume,
    apiPort: s.vaultPort,
    outboundNetwork: s.outboundNetwork,
    egressNetwork: s.egressNetwork,
    keyFile,
    extraCaFiles: [],
    allowPrivate: [],
    apiAllowFrom: vars.NANOCLAW_API_ALLOW_FROM ? [vars.NANOCLAW_API_ALLOW_FROM] : [outboundGateway],
    apiKeySha256,
    user: containerUser({ uid: 0, gid: 0 }),
    labels: {},
  });
  const body = spec.create as Any;
  const host = body.HostConfig as Any;

  expectNetwork(config.networks.outbound, outboundNetworkSpec({ name: s.outboundNetwork, labels: {} }));
  expectNetwork(config.networks.egress, egressNetworkSpec({ name: s.egressNetwork, labels: {} }));
  expect(Object.keys(vault.networks).sort()).toEqual(['egress', 'outbound']);
  expect(vault.networks.egress.aliases).toEqual(spec.egress.aliases);
  expect(spec.egress.aliases).toEqual([GATEWAY_ALIAS]);

  expect(vault.container_name).toBe(spec.create.name);
  expect(vault.image).toBe(spec.create.Image);
  expect(vault.user).toBe(body.User);
  expect(vault.group_add).toContain(String(IMAGE_UID));

  // "127.0.0.1:10254:10254/tcp" → the launcher's PortBindings shape.
  const ports = (vault.ports as string[]).map((p) => {
    const m = /^([\d.]+):(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(p);
    if (!m) throw new Error(`unexpected port entry ${p}`);
    return [`${m[3]}/${m[4] ?? 'tcp'}`, [{ HostIp: m[1], HostPort: m[2] }]];
  });
  expect(Object.fromEntries(ports)).toEqual(host.PortBindings);
  expect(Object.keys(host.PortBindings)).toEqual([`${VAULT_API_PORT}/tcp`]);

  expect(vault.cap_drop).toEqual(host.CapDrop);
  expect(vault.security_opt).toEqual(host.SecurityOpt);
  expect(vault.read_only).toBe(host.ReadonlyRootfs);
  expect(vault.tmpfs).toEqual(Object.entries(host.Tmpfs as Record<string, string>).map(([p, o]) => `${p}:${o}`));
  expect(vault.restart).toBe(host.RestartPolicy.Name);
  expect(vault.pids_limit).toBe(host.PidsLimit);
  expect(bytes(vault.mem_limit)).toBe(host.Memory);
  expect(bytes(vault.memswap_limit)).toBe(host.MemorySwap);
  expect(vault.extra_hosts).toEqual(host.ExtraHosts);

  const hc = body.Healthcheck as Any;
  expect(vault.healthcheck.test).toEqual(hc.Test);
  expect(nanoseconds(vault.healthcheck.interval)).toBe(hc.Interval);
  expect(nanoseconds(vault.healthcheck.timeout)).toBe(hc.Timeout);
  expect(nanoseconds(vault.healthcheck.start_period)).toBe(hc.StartPeriod);
  expect(vault.healthcheck.retries).toBe(hc.Retries);

  const mounts = (vault.volumes as Any[]).map((v) => ({
    Type: v.type,
    Source: v.type === 'volume' ? config.volumes[v.source].name : v.source,
    Target: v.target,
    ReadOnly: v.read_only ?? false,
  }));
  expect(mounts).toEqual(host.Mounts);

  // Same names and values as the launcher's; the extras are optional settings it sets only when given.
  const env = vault.environment as Record<string, string>;
  const specEnv = Object.fromEntries((body.Env as string[]).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const optional = ['NANOCLAW_ALLOW_PRIVATE', 'LOG_LEVEL', 'NANOCLAW_EXTRA_CA_CERTS'];
  expect(Object.fromEntries(Object.entries(env).filter(([k]) => !optional.includes(k)))).toEqual(specEnv);
}

describe.skipIf(COMPOSE === null)(`compose/docker-compose.yml${COMPOSE === null ? ' (skipped: docker-compose is not installed; apt-get install docker-compose)' : ''}`, () => {
  let required: Record<string, string> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nanoclaw-compose-'));
    keyFile = join(dir, 'master.key');
    writeFileSync(keyFile, `${keyHex}\n`, { mode: 0o600 });
    required = { NANOCLAW_VAULT_KEY_FILE: keyFile, NANOCLAW_API_KEY_SHA256: apiKeySha256 };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses with docker-compose and matches the launcher with the default settings', async () => {
    const { config, stderr, exitCode } = await composeConfig(required);
    expect(exitCode, stderr).toBe(0);
    expectMatchesLauncher(config as Any, {});
    // The default allow-from is the outbound network's pinned gateway, inside its subnet.
    const ipam = (config as Any).networks.outbound.ipam.config[0];
    expect((config as Any).services.vault.environment.NANOCLAW_API_ALLOW_FROM).toBe(ipam.gateway);
    expect(ipam.subnet.startsWith(ipam.gateway.split('.').slice(0, 3).join('.') + '.')).toBe(true);
  });

  it('follows the same settings variables as the launcher', async () => {
    const vars = {
      ONECLI_GATEWAY_CONTAINER: 'nc-vault-x',
      NANOCLAW_OUTBOUND_NETWORK: 'nc-out-x',
      NANOCLAW_EGRESS_NETWORK: 'nc-egress-x',
      NANOCLAW_VAULT_VOLUME: 'nc-data-x',
      NANOCLAW_VAULT_PORT: '12345',
      NANOCLAW_VAULT_IMAGE: 'example/vault:9.9.9',
      NANOCLAW_API_ALLOW_FROM: '10.9.8.1',
    };
    const { config, stderr, exitCode } = await composeConfig({ ...required, ...vars });
    expect(exitCode, stderr).toBe(0);
    expectMatchesLauncher(config as Any, vars);
  });

  it('takes the master key only as a read-only file, never as an environment value', async () => {
    const { config, stdout } = await composeConfig(required);
    expect(stdout).not.toContain(keyHex);
    const env = (config as Any).services.vault.environment as Record<string, string>;
    expect(env.NANOCLAW_VAULT_KEY_FILE).toBe(KEY_MOUNT_PATH);
    expect(Object.keys(env).filter((k) => /MASTER|VAULT_KEY$/.test(k))).toEqual([]);
    const raw = parse(readFileSync(FILE, 'utf8')) as Any;
    const bind = (raw.services.vault.volumes as Any[]).find((v) => v.target === KEY_MOUNT_PATH);
    expect(bind).toMatchObject({ type: 'bind', read_only: true });
    expect(bind?.source).toMatch(/^\$\{NANOCLAW_VAULT_KEY_FILE:\?/);
  });

  it('refuses to render without the key file or the API key hash, naming the variable', async () => {
    for (const missing of Object.keys(required)) {
      const vars = Object.fromEntries(Object.entries(required).filter(([k]) => k !== missing));
      const result = await composeConfig(vars);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toContain(missing);
    }
  });

  it('documents in compose/README.md every variable the file reads', () => {
    const text = readFileSync(FILE, 'utf8');
    const readme = readFileSync(join(ROOT, 'compose/README.md'), 'utf8');
    const vars = [...new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] as string))];
    expect(vars.length).toBeGreaterThan(5);
    expect(vars.filter((v) => !readme.includes(v))).toEqual([]);
  });
});
