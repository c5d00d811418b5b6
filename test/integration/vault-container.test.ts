import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { VaultClient } from '../../src/client/vault-client.js';
import { parseEnvFile } from '../../src/config/env-file.js';
import { resourceLabels } from '../../src/docker/labels.js';
import { egressNetworkSpec, outboundNetworkSpec } from '../../src/docker/network-spec.js';
import { ensureNetwork } from '../../src/docker/networks.js';
import { runCli, type CliResult } from '../e2e/cli-run.js';
import { requireDocker, testLabels, testResourceName, testRunId } from '../support/docker-engine.js';
import { ensureProductImages, type ProductImages } from '../support/product-images.js';
import { runContainer } from '../support/run-container.js';
import { makeTempProject, type TempProject } from '../support/temp-project.js';

let docker: Docker;
let images: ProductImages;
let project: TempProject;
let env: NodeJS.ProcessEnv;
let port: number;
let first: CliResult;
const names = {
  container: testResourceName('vault'),
  egress: testResourceName('egress'),
  outbound: testResourceName('outbound'),
  volume: testResourceName('vault-data'),
};


const ncl = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: project.dir, env: { ...env, ...extra } });
const dotenv = () => parseEnvFile(readFileSync(project.envFile, 'utf8'));
const inspect = () => docker.getContainer(names.container).inspect();
const sh = (network: string, script: string) => runContainer({ docker, image: images.base, network, cmd: ['sh', '-c', script], timeoutMs: 30_000 });

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

beforeAll(async () => {
  docker = await requireDocker();
  images = await ensureProductImages({ docker });
  project = await makeTempProject();
  port = await freePort();
  env = {
    ...project.env,
    ONECLI_GATEWAY_CONTAINER: names.container,
    NANOCLAW_EGRESS_NETWORK: names.egress,
    NANOCLAW_OUTBOUND_NETWORK: names.outbound,
    NANOCLAW_VAULT_VOLUME: names.volume,
    NANOCLAW_VAULT_PORT: String(port),
    NANOCLAW_VAULT_IMAGE: images.vault,
  };
  delete env.DBUS_SESSION_BUS_ADDRESS; // no keyring here: the key falls back to a 0600 file under HOME
  first = await ncl(['vault', 'up', '--no-build', '--json']);
});

afterAll(async () => {
  if (project) {
    const down = await ncl(['vault', 'down', '--purge', '--json']);
    expect(down.code, down.stderr).toBe(0);
    await project.dispose();
  }
});

describe('ncl vault up', () => {
  it('starts a healthy vault, reachable on 127.0.0.1 with the API key it wrote to .env', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ container: names.container, action: 'created', apiKeyCreated: true, url: `http://127.0.0.1:${port}` });
    const doc = dotenv();
    expect(doc.get('ONECLI_URL')).toBe(`http://127.0.0.1:${port}`);
    const key = doc.get('ONECLI_API_KEY') ?? '';
    expect(key).toMatch(/^oc_[0-9a-f]{64}$/);
    const res = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(res.status).toBe(200);
    expect(await new VaultClient({ url: `http://127.0.0.1:${port}`, apiKey: key }).listSecrets()).toEqual({ data: [] });
    await expect(new VaultClient({ url: `http://127.0.0.1:${port}`, apiKey: `oc_${'0'.repeat(64)}` }).listSecrets()).rejects.toThrow(/API key/);
  });

  it('hardens the container: no capabilities, no-new-privileges, non-root, read-only root, limits, loopback-only API', async () => {
    const info = await inspect();
    const host = info.HostConfig;
    expect(host.CapDrop).toEqual(['ALL']);
    expect(host.SecurityOpt).toContain('no-new-privileges:true');
    expect(info.Config.User).toMatch(/^[1-9]\d*:\d+$/);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.RestartPolicy?.Name).toBe('unless-stopped');
    expect(host.PidsLimit).toBeGreaterThan(0);
    expect(host.Memory).toBeGreaterThan(0);
    expect(host.PortBindings).toEqual({ '10254/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
    expect(info.NetworkSettings.Ports['10254/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    expect(info.NetworkSettings.Ports['10255/tcp'] ?? null).toBeNull();
    expect(info.Config.Labels).toMatchObject(resourceLabels({ role: 'vault', env: { NANOCLAW_TEST_RUN_ID: testRunId() } }));
    const me = await docker.getContainer(names.container).exec({ Cmd: ['id', '-u'], AttachStdout: true });
    const out = await new Promise<string>((resolve, reject) => {
      me.start({}, (err, stream) => {
        if (err || !stream) return reject(err);
        let text = '';
        stream.on('data', (d: Buffer) => (text += d.subarray(8).toString()));
        stream.on('end', () => resolve(text.trim()));
      });
    });
    expect(out).not.toBe('0');
  });

  it('mounts the master key read-only from a private dir outside the project, and puts no secret in Config.Env', async () => {
    const info = await inspect();
    const mount = info.Mounts.find((m) => m.Destination === '/run/nanoclaw/master.key');
    expect(mount).toMatchObject({ Type: 'bind', RW: false });
    const keyFile = mount!.Source;
    expect(keyFile.startsWith(project.dir)).toBe(false);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(keyFile)).mode & 0o777).toBe(0o700);
    const keyHex = readFileSync(keyFile, 'utf8').trim();
    expect(keyHex).toMatch(/^[0-9a-f]{64}$/);
    const apiKey = dotenv().get('ONECLI_API_KEY')!;
    const envText = info.Config.Env.join('\n');
    expect(envText).not.toContain(keyHex);
    expect(envText).not.toContain(apiKey);
    expect(info.Config.Env).toContain(`NANOCLAW_API_KEY_SHA256=${createHash('sha256').update(apiKey).digest('hex')}`);
    const raw = Buffer.from(keyHex, 'hex');
    for (const file of filesUnder(project.dir)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(keyHex) || bytes.includes(raw), `${file} holds the master key`).toBe(false);
    }
  });

  it('creates the networks labelled as ours: an internal egress network with inhibit_ipv4, the vault on it as "gateway"', async () => {
    const egress = await docker.getNetwork(names.egress).inspect();
    expect(egress).toMatchObject({ Driver: 'bridge', Internal: true, EnableIPv6: false });
    expect(egress.Options).toMatchObject({ 'com.docker.network.bridge.inhibit_ipv4': 'true' });
    expect(egress.Labels).toMatchObject({ 'nanoclaw.managed': '1', 'nanoclaw.role': 'network', 'nanoclaw.test.run': testRunId() });
    const outbound = await docker.getNetwork(names.outbound).inspect();
    expect(outbound).toMatchObject({ Driver: 'bridge', Internal: false });
    const info = await inspect();
    expect(info.NetworkSettings.Networks[names.egress]?.Aliases).toContain('gateway');
    expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual([names.egress, names.outbound].sort());
  });

  it('ensures networks idempotently: same ids, nothing created the second time', async () => {
    const labels = resourceLabels({ role: 'network', env: { NANOCLAW_TEST_RUN_ID: testRunId() } });
    const before = await docker.getNetwork(names.egress).inspect();
    const egress = await ensureNetwork(docker, egressNetworkSpec({ name: names.egress, labels }));
    const outbound = await ensureNetwork(docker, outboundNetworkSpec({ name: names.outbound, labels }));
    expect(egress).toMatchObject({ id: before.Id, created: false });
    expect(outbound.created).toBe(false);
    const all = await docker.listNetworks({ filters: { name: [names.egress] } });
    expect(all.filter((n) => n.Name === names.egress)).toHaveLength(1);
  });

  it('from the egress network, gateway:10255 answers while the vault API and the host are out of reach', async () => {
    const outboundGateway = (await docker.getNetwork(names.outbound).inspect()).IPAM?.Config?.[0]?.Gateway;
    expect(outboundGateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const script = [
      "curl -s -o /dev/null -w 'proxy=%{http_code}\\n' -x http://gateway:10255 http://example.test",
      "curl -s -m 3 -o /dev/null -w 'api=%{http_code}\\n' http://gateway:10254/api/health",
      `curl -s -m 3 -o /dev/null -w 'host=%{http_code}\\n' http://${outboundGateway}:${port}/api/health`,
      'true',
    ].join('; ');
    const r = await sh(names.egress, script);
    expect(r.stdout).toContain('proxy=407');
    expect(r.stdout).toContain('api=000');
    expect(r.stdout).toContain('host=000');
  });

  it("terminates agents' TLS with the native transport the image carries, not Node's fallback", async () => {
    const logs = (await docker.getContainer(names.container).logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toMatch(/Starting gateway.*tls=native/);
    expect(logs).not.toContain('Native TLS transport unavailable');
  });

  it('closes API connections from containers on the outbound network too (only the published port gets in)', async () => {
    const r = await sh(names.outbound, `curl -s -m 3 -o /dev/null -w 'api=%{http_code}\\n' http://${names.container}:10254/api/health; true`);
    expect(r.stdout).toContain('api=000');
    expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200); // the same API, through the host
  });

  it('is a no-op when run again: same container id, .env untouched', async () => {
    const envBefore = readFileSync(project.envFile);
    const again = await ncl(['vault', 'up', '--no-build', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ action: 'unchanged', id: first.json.id, apiKeyCreated: false });
    expect(readFileSync(project.envFile).equals(envBefore)).toBe(true);
  });

  it('ncl vault status shows the API and the container state', async () => {
    const status = await ncl(['vault', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json).toMatchObject({ status: 'ok', secrets: 0, container: { name: names.container, state: 'running', managed: true } });
    expect(['starting', 'healthy']).toContain(status.json.container.health);
  });
});

describe('ncl vault up: clear errors', () => {
  it('reports a pre-existing network with other options, with the command that fixes it', async () => {
    const plain = testResourceName('plain-internal');
    await docker.createNetwork({ Name: plain, Internal: true, Labels: testLabels(), CheckDuplicate: true });
    try {
      const r = await ncl(['vault', 'up', '--no-build'], { NANOCLAW_EGRESS_NETWORK: plain });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('network_conflict');
      expect(r.stderr).toContain('com.docker.network.bridge.inhibit_ipv4 is unset');
      expect(r.stderr).toContain(`docker network rm ${plain}`);
      expect((await docker.getNetwork(plain).inspect()).Options).toEqual({}); // left as it was
      expect((await inspect()).Id).toBe(first.json.id); // the running vault untouched
    } finally {
      await docker.getNetwork(plain).remove();
    }
  });

  it('reports a missing image with the command to build it, a taken port, and an engine that is down', async () => {
    const missing = await ncl(['vault', 'up', '--no-build'], { NANOCLAW_VAULT_IMAGE: 'nanoclaw-test-no-such-vault:none' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('image_missing');
    expect(missing.stderr).toContain('ncl images build --only vault');

    const down = await ncl(['vault', 'up', '--no-build'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('docker_unavailable');

    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    const other = { ONECLI_GATEWAY_CONTAINER: testResourceName('vault-port'), NANOCLAW_VAULT_VOLUME: testResourceName('vault-port-data'), NANOCLAW_VAULT_PORT: String(taken) };
    try {
      const r = await ncl(['vault', 'up', '--no-build'], other);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('port_in_use');
      expect(r.stderr).toContain('NANOCLAW_VAULT_PORT');
      await expect(docker.getContainer(other.ONECLI_GATEWAY_CONTAINER).inspect()).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      blocker.close();
      await docker.getVolume(other.NANOCLAW_VAULT_VOLUME).remove().catch(() => undefined);
    }
  });
});

describe('ncl vault up --rotate-api-key', () => {
  it('makes a new key, writes it to .env and replaces the container: the old key stops working', async () => {
    const oldKey = dotenv().get('ONECLI_API_KEY')!;
    const r = await ncl(['vault', 'up', '--no-build', '--rotate-api-key', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ action: 'replaced', apiKeyCreated: true });
    const newKey = dotenv().get('ONECLI_API_KEY')!;
    expect(newKey).toMatch(/^oc_[0-9a-f]{64}$/);
    expect(newKey).not.toBe(oldKey);
    const url = `http://127.0.0.1:${port}`;
    expect(await new VaultClient({ url, apiKey: newKey }).listSecrets()).toEqual({ data: [] });
    await expect(new VaultClient({ url, apiKey: oldKey }).listSecrets()).rejects.toThrow(/API key/);
  });
});

describe('ncl vault down', () => {
  it('removes the container but keeps the data: up again serves the same secrets with the same key', async () => {
    const apiKey = dotenv().get('ONECLI_API_KEY')!;
    const client = new VaultClient({ url: `http://127.0.0.1:${port}`, apiKey });
    await client.createSecret({ name: 'kept', type: 'generic', value: 'not-a-real-value-1234', hostPattern: 'api.example.test', injectionConfig: { headerName: 'x-key' } });
    const down = await ncl(['vault', 'down', '--json']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.json).toMatchObject({ removed: true, purged: null });
    await expect(inspect()).rejects.toMatchObject({ statusCode: 404 });
    await docker.getVolume(names.volume).inspect(); // still there
    await docker.getNetwork(names.egress).inspect();
    const up = await ncl(['vault', 'up', '--no-build', '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.json).toMatchObject({ action: 'created', apiKeyCreated: false });
    expect((await client.listSecrets()).data.map((s) => s.name)).toEqual(['kept']);
  });

  it('--purge removes the volume and the networks it created', async () => {
    const r = await ncl(['vault', 'down', '--purge', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ removed: true, purged: { volume: true, networks: [names.egress, names.outbound] } });
    await expect(docker.getVolume(names.volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getNetwork(names.egress).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getNetwork(names.outbound).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
