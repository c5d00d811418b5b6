import { describe, expect, it } from 'vitest';
import { parseContainerJson } from '../config/container-json.js';
import { agentContainerName, buildAgentSpec, rehostProxy, type AgentSpecInput } from './agent-spec.js';

const TOKEN = 'aoc_' + 'ab'.repeat(32);
const PROXY = `http://x:${TOKEN}@gateway:10255`;

function input(overrides: Partial<AgentSpecInput> = {}): AgentSpecInput {
  return {
    folder: 'main',
    config: parseContainerJson({ agentGroupId: 'main', env: { TZ: 'UTC' } }, 'container.json'),
    mounts: [],
    vault: {
      env: {
        HTTPS_PROXY: PROXY,
        HTTP_PROXY: PROXY,
        https_proxy: PROXY,
        http_proxy: PROXY,
        NODE_EXTRA_CA_CERTS: '/etc/nanoclaw/vault-ca.pem',
        NODE_USE_ENV_PROXY: '1',
        GIT_TERMINAL_PROMPT: '0',
        GIT_HTTP_PROXY_AUTHMETHOD: 'basic',
        ANTHROPIC_API_KEY: 'onecli-managed',
      },
      caCertificate: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n',
      caCertificateContainerPath: '/etc/nanoclaw/vault-ca.pem',
      stubs: [],
    },
    lockdown: true,
    networkHolder: 'f00dfeed',
    gatewayContainer: 'onecli',
    defaultImage: 'nanoclaw-agent:0.1.0',
    user: '1000:1000',
    homeDir: '/p/groups/main/home',
    caFiles: { vaultCa: '/run/nc/main/vault-ca.pem', bundle: '/run/nc/main/ca-bundle.pem' },
    env: {},
    ...overrides,
  };
}

const envOf = (spec: ReturnType<typeof buildAgentSpec>) =>
  Object.fromEntries((spec.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

describe('buildAgentSpec', () => {
  it('under lockdown: the namespace of its network holder, proxy via gateway:10255, every CA variable, NO_PROXY local only', () => {
    const spec = buildAgentSpec(input());
    expect(spec.HostConfig?.NetworkMode).toBe('container:f00dfeed');
    // Joining a namespace, it has no network endpoint of its own (Docker refuses both).
    expect(spec.NetworkingConfig).toBeUndefined();
    const env = envOf(spec);
    for (const v of ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) expect(env[v]).toBe(PROXY);
    for (const v of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO', 'DENO_CERT']) expect(env[v]).toBe('/etc/nanoclaw/ca-bundle.pem');
    expect(env.NODE_EXTRA_CA_CERTS).toBe('/etc/nanoclaw/vault-ca.pem');
    expect(env.NO_PROXY).toBe('localhost,127.0.0.1,::1');
    expect(env.no_proxy).toBe('localhost,127.0.0.1,::1');
    expect(env.NODE_USE_ENV_PROXY).toBe('1');
    expect(env.ANTHROPIC_API_KEY).toBe('onecli-managed');
    expect(env.TZ).toBe('UTC');
    expect(env.HOME).toBe('/home/node');
    expect(spec.Labels).toMatchObject({ 'nanoclaw.managed': '1', 'nanoclaw.role': 'agent', 'nanoclaw.group': 'main', 'nanoclaw.lockdown': '1' });
  });

  it('without lockdown: the proxy names the vault container (on the outbound network its holder is on), same token', () => {
    const spec = buildAgentSpec(input({ lockdown: false, networkHolder: 'beef' }));
    expect(spec.HostConfig?.NetworkMode).toBe('container:beef');
    const env = envOf(spec);
    expect(env.HTTPS_PROXY).toBe(`http://x:${TOKEN}@onecli:10255`);
    expect(env.http_proxy).toBe(`http://x:${TOKEN}@onecli:10255`);
    expect(env.SSL_CERT_FILE).toBe('/etc/nanoclaw/ca-bundle.pem');
    expect(spec.Labels?.['nanoclaw.lockdown']).toBe('0');
  });

  it('hardens the container: non-root, no capabilities, no-new-privileges, limits', () => {
    const config = parseContainerJson({ agentGroupId: 'main', resources: { memory: '1g', cpus: 1.5, pids: 256 } }, 'c');
    const spec = buildAgentSpec(input({ config }));
    expect(spec.User).toBe('1000:1000');
    expect(spec.HostConfig).toMatchObject({
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      PidsLimit: 256,
      Memory: 2 ** 30,
      MemorySwap: 2 ** 30,
      NanoCpus: 1_500_000_000,
    });
    expect(spec.HostConfig?.CapAdd).toBeUndefined();
    expect(() => buildAgentSpec(input({ user: '0:0' }))).toThrow(/root/);
    expect(() => buildAgentSpec(input({ user: 'root' }))).toThrow(/root/);
  });

  it('mounts the home rw, the CA and bundle read-only, and extra mounts as asked', () => {
    const spec = buildAgentSpec(input({ mounts: [{ hostPath: '/data/x', containerPath: '/workspace/x', readonly: true }, { hostPath: '/data/y', containerPath: '/y', readonly: false }] }));
    expect(spec.HostConfig?.Binds).toEqual([
      '/p/groups/main/home:/home/node:rw',
      '/run/nc/main/vault-ca.pem:/etc/nanoclaw/vault-ca.pem:ro',
      '/run/nc/main/ca-bundle.pem:/etc/nanoclaw/ca-bundle.pem:ro',
      '/data/x:/workspace/x:ro',
      '/data/y:/y:rw',
    ]);
  });

  it.each([
    ['/var/run/docker.sock', '/var/run/docker.sock'],
    ['/run/user/1000/docker.sock', '/sock'],
    ['/var/run', '/host-run'],
    ['/', '/host'],
    ['/data/x', '/run/docker.sock'],
  ])('refuses the Docker socket or the host root: %s → %s', (hostPath, containerPath) => {
    expect(() => buildAgentSpec(input({ mounts: [{ hostPath, containerPath, readonly: true }] }))).toThrow(/Docker socket/);
  });

  it('native flag unset: the spec is identical to a build without the feature, even with values in .env', () => {
    const without = buildAgentSpec(input());
    const flagOff = buildAgentSpec(input({ native: { enabled: false, values: { ANTHROPIC_API_KEY: 'sk-ant-api03-real', ANTHROPIC_BASE_URL: 'https://x' } } }));
    expect(flagOff).toStrictEqual(without);
    expect(JSON.stringify(flagOff)).not.toContain('sk-ant-api03-real');
  });

  it('native on: the real values go in, the placeholders go away, and the spec says so in a label', () => {
    const spec = buildAgentSpec(input({ native: { enabled: true, values: { CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-real', ANTHROPIC_BASE_URL: 'https://llm.example' } } }));
    const env = envOf(spec);
    expect(env.CLAUDE_CODE_OAUTH_TOKEN).toBe('sk-ant-oat01-real');
    expect(env.ANTHROPIC_BASE_URL).toBe('https://llm.example');
    expect(env).not.toHaveProperty('ANTHROPIC_API_KEY');
    expect(env.HTTPS_PROXY).toBe(PROXY); // the vault stays the only hop under lockdown
    expect(spec.HostConfig?.NetworkMode).toBe('container:f00dfeed');
    expect(spec.Labels?.['nanoclaw.native']).toBe('1');
  });

  it('a custom Anthropic endpoint without an Anthropic secret gets an ANTHROPIC_AUTH_TOKEN placeholder, never a value', () => {
    const { ANTHROPIC_API_KEY: _dropped, ...vaultEnv } = input().vault!.env;
    const custom = input({
      config: parseContainerJson({ agentGroupId: 'main', env: { ANTHROPIC_BASE_URL: 'https://llm.example' } }, 'container.json'),
      vault: { ...input().vault!, env: vaultEnv },
    });
    expect(envOf(buildAgentSpec(custom)).ANTHROPIC_AUTH_TOKEN).toBe('onecli-managed');
    // With the vault's own placeholder, or without a custom endpoint, nothing is added.
    expect(envOf(buildAgentSpec(input({ config: custom.config }))).ANTHROPIC_AUTH_TOKEN).toBeUndefined();
    expect(envOf(buildAgentSpec(input({ vault: custom.vault }))).ANTHROPIC_AUTH_TOKEN).toBeUndefined();
  });

  it('refuses to build a spec without the gateway unless native mode is on', () => {
    expect(() => buildAgentSpec(input({ vault: null }))).toThrow(/without the vault gateway/);
    const spec = buildAgentSpec(input({ vault: null, lockdown: false, native: { enabled: true, values: { ANTHROPIC_API_KEY: 'k' } } }));
    expect(envOf(spec)).not.toHaveProperty('HTTPS_PROXY');
    expect(spec.HostConfig?.Binds).toEqual(['/p/groups/main/home:/home/node:rw']);
  });

  it('the command: CLI override, then container.json, else the image default; the image from container.json wins', () => {
    const config = parseContainerJson({ agentGroupId: 'main', image: 'custom:1', command: ['node', 'a.js'] }, 'c');
    expect(buildAgentSpec(input()).Cmd).toBeUndefined();
    expect(buildAgentSpec(input({ config })).Cmd).toEqual(['node', 'a.js']);
    const override = buildAgentSpec(input({ config, command: ['sh', '-c', 'env'] }));
    expect(override.Cmd).toEqual(['sh', '-c', 'env']);
    expect(override.Labels?.['nanoclaw.command']).toBe('["sh","-c","env"]');
    expect(override.Image).toBe('custom:1');
    expect(buildAgentSpec(input()).Image).toBe('nanoclaw-agent:0.1.0');
  });

  it('records the project directory in a label when given', () => {
    expect(buildAgentSpec(input({ projectDir: '/home/u/proj' })).Labels?.['nanoclaw.project']).toBe('/home/u/proj');
    expect(buildAgentSpec(input()).Labels).not.toHaveProperty('nanoclaw.project');
  });

  it('adds the test-run labels when NANOCLAW_TEST_RUN_ID is set, and names the container per install', () => {
    expect(buildAgentSpec(input({ env: { NANOCLAW_TEST_RUN_ID: 'r1' } })).Labels).toMatchObject({ 'nanoclaw.test': '1', 'nanoclaw.test.run': 'r1' });
    expect(buildAgentSpec(input()).name).toBe('nanoclaw-agent-main');
    expect(agentContainerName('main', 'work')).toBe('nanoclaw-work-agent-main');
  });

  it('fails closed when the vault sent no agent token', () => {
    const vault = { ...input().vault!, env: { HTTPS_PROXY: 'http://gateway:10255' } };
    expect(() => buildAgentSpec(input({ vault }))).toThrow(/no agent token/);
    expect(() => buildAgentSpec(input({ vault: { ...vault, env: {} } }))).toThrow(/no agent token/);
  });

  it('is deterministic: env sorted, same input same spec', () => {
    const a = buildAgentSpec(input());
    expect(a).toStrictEqual(buildAgentSpec(input()));
    const names = (a.Env ?? []).map((e) => e.split('=')[0]);
    expect(names).toEqual([...names].sort());
  });
});

describe('rehostProxy', () => {
  it('keeps credentials and port and swaps the host', () => {
    expect(rehostProxy(PROXY, 'onecli')).toBe(`http://x:${TOKEN}@onecli:10255`);
  });
});
