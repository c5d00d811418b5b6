import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { resourceLabels } from '../../src/docker/labels.js';
import { ensureRelay, removeRelay, type EnsureRelayOptions } from '../../src/docker/relay-container.js';
import { requireDocker } from '../support/docker-engine.js';
import { ensureProductImages } from '../support/product-images.js';
import { runContainer } from '../support/run-container.js';
import { testLabels, testResourceName } from '../support/test-labels.js';
import { runTlsUpstreamContainer, type TlsUpstreamContainer } from '../support/tls-upstream-container.js';

// ensureRelay against a real engine: a hardened container of the vault image in relay mode that
// answers as `gateway` on the lockdown network and forwards there to its one target, and nowhere else.

let docker: Docker;
let images: { vault: string; base: string };
let upstream: TlsUpstreamContainer;
const names = { outbound: testResourceName('relay-out'), egress: testResourceName('relay-egress'), relay: testResourceName('relay') };
let options: EnsureRelayOptions;

beforeAll(async () => {
  docker = await requireDocker();
  images = await ensureProductImages({ docker });
  options = {
    name: names.relay,
    image: images.vault,
    target: { host: 'remote-gw.test', port: 443 },
    outboundNetwork: names.outbound,
    egressNetwork: names.egress,
    env: process.env,
  };
  // The first ensureRelay creates both networks; the "remote gateway" waits on the outbound one.
  await ensureRelay(docker, options);
  upstream = await runTlsUpstreamContainer({ docker, network: names.outbound, aliases: ['remote-gw.test', 'other.test'] });
}, 600_000);

afterAll(async () => {
  await removeRelay(docker, names.relay).catch(() => undefined);
  await upstream?.close();
  const strays = await docker.listContainers({ all: true, filters: { name: [names.egress] } });
  for (const c of strays) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  for (const n of [names.egress, names.outbound]) await docker.getNetwork(n).remove().catch(() => undefined);
});

/** curl from a container on the lockdown network, TLS for `host` but TCP to gateway:10255. */
async function curlThroughGateway(path: string, host = 'remote-gw.test') {
  return runContainer({
    docker,
    image: images.base,
    network: names.egress,
    binds: [`${upstream.caFile}:/ca.pem:ro`],
    cmd: ['curl', '-sS', '--max-time', '10', '--cacert', '/ca.pem', '--connect-to', `${host}:443:gateway:10255`, `https://${host}${path}`],
  });
}

describe('ensureRelay (real engine)', () => {
  it('runs hardened, labelled as a relay, on both networks with the alias gateway on the lockdown one', async () => {
    const info = await docker.getContainer(names.relay).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Labels['nanoclaw.role']).toBe('relay');
    expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual([names.egress, names.outbound].sort());
    expect(info.NetworkSettings.Networks[names.egress]?.Aliases).toContain('gateway');
    expect(info.HostConfig.PortBindings ?? {}).toEqual({});
    const egress = await docker.getNetwork(names.egress).inspect();
    expect(egress.Internal).toBe(true);
    expect(egress.Options?.['com.docker.network.bridge.inhibit_ipv4']).toBe('true');
  });

  it('forwards a connection from the lockdown network to its target, bytes untouched (end-to-end TLS)', async () => {
    const r = await curlThroughGateway('/through-relay');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, path: '/through-relay' });
    expect((await upstream.requests()).some((x) => x.url === '/through-relay')).toBe(true);
  });

  it('goes only to its target: asking for another host through it still lands on the target', async () => {
    // TLS for other.test through the relay reaches remote-gw.test's server (same test CA, both names): the relay never routes.
    const r = await curlThroughGateway('/asked-for-other', 'other.test');
    expect(JSON.parse(r.stdout).path).toBe('/asked-for-other');
    const direct = await runContainer({ docker, image: images.base, network: names.egress, cmd: ['curl', '-sS', '--max-time', '5', '-k', `https://${upstream.ip}/direct`] });
    expect(direct.exitCode).not.toBe(0);
  });

  it('is idempotent: the same target keeps the container, another target replaces it', async () => {
    const before = await docker.getContainer(names.relay).inspect();
    expect(await ensureRelay(docker, options)).toEqual({ id: before.Id, name: names.relay, action: 'unchanged' });
    const stopping = Date.now();
    await docker.getContainer(names.relay).stop({ t: 5 });
    // SIGTERM closes the relay and it exits 0 at once, well before Docker's kill.
    expect((await docker.getContainer(names.relay).inspect()).State.ExitCode).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(4_000);
    expect((await ensureRelay(docker, options)).action).toBe('started');
    const moved = await ensureRelay(docker, { ...options, target: { host: 'remote-gw.test', port: 8443 } });
    expect(moved.action).toBe('replaced');
    expect(moved.id).not.toBe(before.Id);
    expect((await docker.getContainer(names.relay).inspect()).Config.Cmd).toContain('remote-gw.test:8443');
    expect((await ensureRelay(docker, options)).action).toBe('replaced');
  });

  it('refuses when something else answers as gateway on the lockdown network, or owns its name', async () => {
    const squatter = await docker.createContainer({
      name: `${names.egress}-vault`,
      Image: images.base,
      Cmd: ['sleep', '600'],
      Labels: { ...testLabels(), ...resourceLabels({ role: 'vault', env: process.env }) },
      HostConfig: { NetworkMode: names.egress },
      NetworkingConfig: { EndpointsConfig: { [names.egress]: { Aliases: ['gateway'] } } },
    });
    await squatter.start();
    try {
      await expect(ensureRelay(docker, options)).rejects.toMatchObject({ code: 'gateway_alias_taken' });
    } finally {
      await squatter.remove({ force: true });
    }
    const stranger = await docker.createContainer({ name: `${names.relay}-x`, Image: images.base, Cmd: ['true'], Labels: testLabels() });
    try {
      await expect(ensureRelay(docker, { ...options, name: `${names.relay}-x` })).rejects.toMatchObject({ code: 'container_conflict' });
      await expect(removeRelay(docker, `${names.relay}-x`)).rejects.toMatchObject({ code: 'container_conflict' });
    } finally {
      await stranger.remove({ force: true });
    }
  });

  it('removeRelay stops and removes it, and is a no-op afterwards', async () => {
    expect(await removeRelay(docker, names.relay)).toBe(true);
    expect(await docker.getContainer(names.relay).inspect().catch(() => null)).toBeNull();
    expect(await removeRelay(docker, names.relay)).toBe(false);
  });
});
