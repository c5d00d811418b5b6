import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBaseImage } from '../support/base-image.js';
import { requireDocker } from '../support/docker-engine.js';
import { runContainer } from '../support/run-container.js';
import { testLabels, testResourceName } from '../support/test-labels.js';
import { runTlsUpstreamContainer, type TlsUpstreamContainer } from '../support/tls-upstream.js';

describe('runTlsUpstreamContainer (real Docker)', () => {
  let docker: Docker;
  let image: string;
  let upstream: TlsUpstreamContainer;
  let caDir: string;
  const network = testResourceName('upstream-net');

  beforeAll(async () => {
    docker = await requireDocker();
    image = await ensureBaseImage({ docker });
    await docker.createNetwork({ Name: network, Labels: testLabels(), CheckDuplicate: true });
    upstream = await runTlsUpstreamContainer({
      docker,
      network,
      aliases: ['api.github.test', 'uploads.github.test'],
      image,
    });
    // The client container gets only the CA, never the upstream's key.
    caDir = await mkdtemp(join(tmpdir(), 'nanoclaw-ca-'));
    await chmod(caDir, 0o755); // mkdtemp makes it 0700; the client runs as uid 1000
    await writeFile(join(caDir, 'ca.pem'), upstream.caPem, { mode: 0o644 });
  });

  afterAll(async () => {
    await upstream?.close();
    await docker?.getNetwork(network).remove().catch(() => undefined);
    if (caDir) await rm(caDir, { recursive: true, force: true });
  });

  const client = (script: string) =>
    runContainer({
      docker,
      image,
      network,
      user: 'node',
      binds: [`${caDir}:/ca:ro`],
      env: { NODE_EXTRA_CA_CERTS: '/ca/ca.pem' },
      cmd: ['sh', '-c', script],
    });

  it('answers curl and node under its aliases on 443 and records what it received', async () => {
    expect(upstream.url).toBe('https://api.github.test');
    expect(upstream.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const res = await client(
      "curl -sS --cacert /ca/ca.pem -H 'Authorization: Bearer test-token' -d 'hello' https://api.github.test/repos?page=2; echo; " +
        "node -e \"fetch('https://uploads.github.test/up',{method:'PUT',body:'xyz'}).then(r=>r.json()).then(j=>console.log(j.path))\"",
    );
    expect(res.stderr).toBe('');
    expect(res.stdout.trim().split('\n')).toEqual([JSON.stringify({ ok: true, path: '/repos?page=2' }), '/up']);
    const seen = await upstream.requests();
    expect(seen.map((r) => [r.method, r.url, r.servername])).toEqual([
      ['POST', '/repos?page=2', 'api.github.test'],
      ['PUT', '/up', 'uploads.github.test'],
    ]);
    expect(seen[0]?.headers.authorization).toBe('Bearer test-token');
    expect(seen[0]?.rawHeaders).toContain('Authorization');
    expect(seen[0]?.body.toString()).toBe('hello');
    expect(seen[1]?.body.toString()).toBe('xyz');
  });

  it('is refused by a client that does not trust its CA', async () => {
    const res = await client('curl -sS https://api.github.test/ >/dev/null 2>&1; echo "exit=$?"');
    expect(res.stdout.trim()).toBe('exit=60'); // curl: peer certificate cannot be authenticated
  });

  it('runs a custom handler module', async () => {
    const custom = await runTlsUpstreamContainer({
      docker,
      network,
      aliases: ['teapot.test'],
      image,
      port: 8443,
      handlerModule:
        "export default (req, res, rec) => { res.writeHead(418); res.end('tea:' + rec.body.length); };",
    });
    try {
      await writeFile(join(caDir, 'ca.pem'), custom.caPem);
      const res = await client("curl -sS --cacert /ca/ca.pem -w ' %{http_code}' -d 'abc' https://teapot.test:8443/");
      expect(res.stdout).toBe('tea:3 418');
      expect((await custom.requests()).map((r) => r.url)).toEqual(['/']);
    } finally {
      await writeFile(join(caDir, 'ca.pem'), upstream.caPem);
      await custom.close();
    }
    await expect(docker.getContainer(custom.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
