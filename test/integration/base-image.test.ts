import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBaseImage } from '../support/base-image.js';
import {
  canonicalImagePath,
  hashRootfs,
  parseLddOutput,
  planRootfs,
  type BaseImageInputs,
} from '../support/base-image-plan.js';
import { requireDocker } from '../support/docker-engine.js';
import { runContainer } from '../support/run-container.js';
import { BASE_LABEL, RUN_LABEL, testLabels, testResourceName } from '../support/test-labels.js';

const LDD_NODE = `\tlinux-vdso.so.1 (0x00007ffd1b9f3000)
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f0a1c000000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0a1be1e000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f0a1c2a5000)
`;

describe('base image plan (pure)', () => {
  it('parses ldd output: libraries and loader, no vDSO', () => {
    expect(parseLddOutput(LDD_NODE)).toEqual([
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
    expect(parseLddOutput('\tstatically linked\n')).toEqual([]);
  });

  it('refuses a binary whose library ldd cannot find', () => {
    expect(() => parseLddOutput('\tlibgone.so.1 => not found\n')).toThrow(/libgone\.so\.1/);
  });

  it('maps host paths onto the merged /usr layout', () => {
    expect(canonicalImagePath('/lib64/ld-linux-x86-64.so.2')).toBe('/usr/lib64/ld-linux-x86-64.so.2');
    expect(canonicalImagePath('/etc/ssl/certs/x.crt')).toBe('/etc/ssl/certs/x.crt');
  });

  const inputs: BaseImageInputs = {
    node: '/opt/node/bin/node',
    curl: '/usr/bin/curl',
    busybox: '/usr/bin/busybox',
    libraries: ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6'],
    applets: ['sh', 'env', 'nc', '[', '../evil', 'a/b'],
    extraFiles: [],
  };

  it('plans a node user, a sticky /tmp, busybox links and no duplicate paths', () => {
    const plan = planRootfs(inputs);
    const at = (path: string) => plan.find((e) => e.path === path);
    expect(at('/etc/passwd')).toMatchObject({ content: expect.stringMatching(/^node:x:1000:1000:/m) });
    expect(at('/tmp')).toEqual({ kind: 'dir', path: '/tmp', mode: 0o1777 });
    expect(at('/home/node')).toMatchObject({ uid: 1000 });
    expect(at('/usr/bin/sh')).toEqual({ kind: 'symlink', path: '/usr/bin/sh', target: 'busybox' });
    expect(at('/usr/local/bin/node')).toMatchObject({ source: '/opt/node/bin/node' });
    expect(at('/usr/bin/[')).toMatchObject({ target: 'busybox' });
    expect(plan.some((e) => e.path.includes('..') || e.path.endsWith('a/b'))).toBe(false);
    expect(new Set(plan.map((e) => e.path)).size).toBe(plan.length);
  });

  it('plans git with its HTTPS and smart-HTTP helpers where git looks for them', () => {
    const plan = planRootfs({ ...inputs, git: { binary: '/usr/bin/git', helpers: ['/usr/lib/git-core/git-remote-http', '/usr/lib/git-core/git-http-backend'] } });
    const at = (path: string) => plan.find((e) => e.path === path);
    expect(at('/usr/bin/git')).toMatchObject({ source: '/usr/bin/git' });
    expect(at('/usr/lib/git-core/git-remote-http')).toMatchObject({ kind: 'file' });
    expect(at('/usr/lib/git-core/git-remote-https')).toEqual({ kind: 'symlink', path: '/usr/lib/git-core/git-remote-https', target: 'git-remote-http' });
    expect(at('/usr/lib/git-core/git-http-backend')).toMatchObject({ kind: 'file' });
  });

  it('changes the hash when a copied host file changes', () => {
    const plan = planRootfs(inputs);
    const a = hashRootfs(plan, (s) => `${s}:1`);
    expect(hashRootfs(plan, (s) => `${s}:1`)).toBe(a);
    expect(hashRootfs(plan, (s) => (s === '/usr/bin/curl' ? 'new' : `${s}:1`))).not.toBe(a);
  });
});

describe('ensureBaseImage (real Docker)', () => {
  let docker: Docker;
  let image: string;
  const network = testResourceName('base-dns');
  const server = testResourceName('base-dns-server');

  beforeAll(async () => {
    docker = await requireDocker();
    image = await ensureBaseImage({ docker });
  });

  afterAll(async () => {
    await docker?.getContainer(server).remove({ force: true }).catch(() => undefined);
    await docker?.getNetwork(network).remove().catch(() => undefined);
  });

  it('is cached: concurrent callers get the same tag and one image', async () => {
    const refs = await Promise.all([ensureBaseImage(), ensureBaseImage(), ensureBaseImage()]);
    expect(new Set(refs)).toEqual(new Set([image]));
    const info = await docker.getImage(image).inspect();
    expect(info.Config.Labels?.[BASE_LABEL]).toBe('1');
    expect(info.Config.Labels?.[RUN_LABEL]).toBeUndefined();
    expect(info.Config.Env).toContain('PATH=/usr/local/bin:/usr/bin:/bin');
  });

  it('runs node 24, curl and sh as the node user', async () => {
    const script = 'node -e "console.log(process.versions.node)"; curl --version | head -n1; ' +
      'id -u; id -un; echo $HOME; stat -c %a /tmp; env | grep -c "^PATH="';
    const res = await runContainer({ docker, image, user: 'node', cmd: ['sh', '-c', script] });
    expect(res.stderr).toBe('');
    expect(res.exitCode).toBe(0);
    const [nodeVersion, curl, uid, name, home, tmpMode] = res.stdout.trim().split('\n');
    expect(nodeVersion).toBe(process.versions.node);
    expect(curl).toMatch(/^curl \d+\.\d+/);
    expect([uid, name, home, tmpMode]).toEqual(['1000', 'node', '/home/node', '1777']);
  });

  it('runs git, its HTTPS helper and git http-backend as the node user', async () => {
    const script = 'cd /tmp && git init -q r && git -C r -c user.name=n -c user.email=n@x commit -q --allow-empty -m one && ' +
      'git -C r rev-list --count HEAD && /usr/lib/git-core/git-remote-https 2>&1 | head -n1; ' +
      'REQUEST_METHOD=GET GIT_PROJECT_ROOT=/tmp PATH_INFO=/r/info/refs QUERY_STRING=service=git-upload-pack GIT_HTTP_EXPORT_ALL=1 git http-backend | grep -c "# service=git-upload-pack"';
    const res = await runContainer({ docker, image, user: 'node', cmd: ['sh', '-c', script] });
    expect(res.stderr).toBe('');
    expect(res.stdout.trim().split('\n')).toEqual(['1', expect.stringMatching(/remote-curl|usage/), '1']);
  });

  it('resolves container names through Docker embedded DNS (node, curl, busybox)', async () => {
    await docker.createNetwork({ Name: network, Labels: testLabels(), CheckDuplicate: true });
    const serve = "require('http').createServer((q,s)=>s.end('pong '+q.url)).listen(8080)";
    const container = await docker.createContainer({
      name: server,
      Image: image,
      Cmd: ['node', '-e', serve],
      User: 'node',
      Labels: testLabels(),
      HostConfig: { NetworkMode: network },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ['upstream.nanoclaw.test'] } } },
    });
    await container.start();
    const host = 'http://upstream.nanoclaw.test:8080';
    const script = [
      // curl's retries wait for the server to listen; node and wget then find it up.
      `curl -fsS --retry 10 --retry-delay 1 --retry-connrefused ${host}/curl; echo`,
      `node -e "fetch('${host}/node').then(r=>r.text()).then(t=>console.log(t))"`,
      `wget -qO- ${host}/wget; echo`,
      'curl -sS http://no-such-name.nanoclaw.test:8080/ >/dev/null 2>&1 || echo unresolved',
    ].join('; ');
    const res = await runContainer({ docker, image, network, cmd: ['sh', '-c', script] });
    expect(res.stdout.trim().split('\n')).toEqual(['pong /curl', 'pong /node', 'pong /wget', 'unresolved']);
  });
});
