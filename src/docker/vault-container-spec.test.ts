import { describe, expect, it } from 'vitest';
import { containerUser, vaultContainerSpec, type VaultContainerInput } from './vault-container-spec.js';

const HASH = 'a'.repeat(64);
const input: VaultContainerInput = {
  name: 'onecli',
  image: 'nanoclaw-vault:0.1.0',
  volume: 'nanoclaw-vault-data',
  apiPort: 10254,
  outboundNetwork: 'nanoclaw-outbound',
  egressNetwork: 'nanoclaw-egress',
  keyFile: '/run/user/1000/nanoclaw/onecli.key',
  extraCaFiles: ['/etc/corp/ca.pem', '/opt/other/ca.pem'],
  allowPrivate: ['host.docker.internal:11434'],
  apiAllowFrom: ['172.18.0.1'],
  apiKeySha256: HASH,
  user: { user: '1000:1000', groupAdd: [] },
  labels: { 'nanoclaw.managed': '1', 'nanoclaw.role': 'vault' },
};

describe('vaultContainerSpec', () => {
  const { create, egress } = vaultContainerSpec(input);
  const host = create.HostConfig as Record<string, any>;

  it('hardens the container: no capabilities, no-new-privileges, read-only root, limits, restart unless-stopped', () => {
    expect(host.CapDrop).toEqual(['ALL']);
    expect(host.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.Tmpfs).toEqual({ '/tmp': expect.stringContaining('noexec') });
    expect(host.RestartPolicy).toEqual({ Name: 'unless-stopped' });
    expect(host.PidsLimit).toBeGreaterThan(0);
    expect(host.Memory).toBeGreaterThan(0);
    expect(create.User).toBe('1000:1000');
  });

  it('publishes only the API, only on 127.0.0.1, and joins the egress network as "gateway"', () => {
    expect(host.PortBindings).toEqual({ '10254/tcp': [{ HostIp: '127.0.0.1', HostPort: '10254' }] });
    expect(JSON.stringify(create)).not.toContain('10255');
    expect(host.NetworkMode).toBe('nanoclaw-outbound');
    expect(egress).toEqual({ network: 'nanoclaw-egress', aliases: ['gateway'] });
  });

  it('passes the key as a read-only file and the API key only as its hash; CA files by in-container path', () => {
    const env = create.Env as string[];
    expect(env).toContain('NANOCLAW_VAULT_KEY_FILE=/run/nanoclaw/master.key');
    expect(env).toContain(`NANOCLAW_API_KEY_SHA256=${HASH}`);
    expect(env).toContain('NANOCLAW_EXTRA_CA_CERTS=/run/nanoclaw/ca/0-ca.pem,/run/nanoclaw/ca/1-ca.pem');
    expect(env).toContain('NANOCLAW_ALLOW_PRIVATE=host.docker.internal:11434');
    expect(env).toContain('NANOCLAW_VAULT_PUBLIC_URL=http://127.0.0.1:10254');
    expect(env).toContain('NANOCLAW_API_ALLOW_FROM=172.18.0.1');
    expect(env.some((e) => e.includes('/run/user/1000'))).toBe(false);
    expect(host.Mounts).toEqual([
      { Type: 'volume', Source: 'nanoclaw-vault-data', Target: '/data', ReadOnly: false },
      { Type: 'bind', Source: '/run/user/1000/nanoclaw/onecli.key', Target: '/run/nanoclaw/master.key', ReadOnly: true },
      { Type: 'bind', Source: '/etc/corp/ca.pem', Target: '/run/nanoclaw/ca/0-ca.pem', ReadOnly: true },
      { Type: 'bind', Source: '/opt/other/ca.pem', Target: '/run/nanoclaw/ca/1-ca.pem', ReadOnly: true },
    ]);
  });

  it('labels the container with a hash that changes with the spec (a rotated API key means a new container)', () => {
    const a = vaultContainerSpec(input);
    expect(a.create.Labels['nanoclaw.spec']).toBe(a.specHash);
    expect(vaultContainerSpec(input).specHash).toBe(a.specHash);
    expect(vaultContainerSpec({ ...input, apiKeySha256: 'b'.repeat(64) }).specHash).not.toBe(a.specHash);
    expect(vaultContainerSpec({ ...input, apiPort: 20254 }).specHash).not.toBe(a.specHash);
    expect(vaultContainerSpec({ ...input, apiAllowFrom: ['172.20.0.1'] }).specHash).not.toBe(a.specHash);
    expect(vaultContainerSpec({ ...input, labels: { other: 'x' } }).specHash).toBe(a.specHash);
  });

  it('refuses to build a container whose API nobody could reach', () => {
    expect(() => vaultContainerSpec({ ...input, apiAllowFrom: [] })).toThrow(/apiAllowFrom/);
  });
});

describe('containerUser', () => {
  it('runs as uid 1000 and chowns the key to it when the host user is root', () => {
    expect(containerUser({ uid: 0, gid: 0 })).toEqual({ user: '1000:1000', groupAdd: [], chownKeyTo: { uid: 1000, gid: 1000 } });
  });

  it('runs as the host uid:gid with group 1000 added otherwise, without chown', () => {
    expect(containerUser({ uid: 501, gid: 20 })).toEqual({ user: '501:20', groupAdd: ['1000'], chownKeyTo: null });
    expect(containerUser({ uid: 1000, gid: 1000 })).toEqual({ user: '1000:1000', groupAdd: [], chownKeyTo: null });
  });

  it('uses the image user where the platform has no uids', () => {
    expect(containerUser({ uid: undefined, gid: undefined })).toEqual({ user: '1000:1000', groupAdd: [], chownKeyTo: null });
  });

  it('passes NANOCLAW_GATEWAY_TLS only when it is not the default', () => {
    expect(vaultContainerSpec({ ...input, gatewayTls: 'node' }).create.Env as string[]).toContain('NANOCLAW_GATEWAY_TLS=node');
    expect((vaultContainerSpec(input).create.Env as string[]).some((e) => e.startsWith('NANOCLAW_GATEWAY_TLS'))).toBe(false);
  });

  it('gives the Telegram bot token as a read-only file, never in the environment, and the approval TTL when set', () => {
    const withCards = vaultContainerSpec({ ...input, approvalTtlSeconds: 60, telegram: { tokenFile: '/run/user/0/nanoclaw/onecli.telegram', apiBase: 'http://bot.test' } });
    const env = withCards.create.Env as string[];
    expect(env).toContain('NANOCLAW_APPROVAL_TTL_SECONDS=60');
    expect(env).toContain('NANOCLAW_TELEGRAM_TOKEN_FILE=/run/nanoclaw/telegram.token');
    expect(env).toContain('NANOCLAW_TELEGRAM_API_BASE=http://bot.test');
    expect(env.some((e) => e.startsWith('TELEGRAM_BOT_TOKEN'))).toBe(false);
    expect((withCards.create.HostConfig as Record<string, any>).Mounts).toContainEqual({
      Type: 'bind', Source: '/run/user/0/nanoclaw/onecli.telegram', Target: '/run/nanoclaw/telegram.token', ReadOnly: true,
    });
    expect(withCards.specHash).not.toBe(vaultContainerSpec(input).specHash);
    expect((vaultContainerSpec(input).create.Env as string[]).some((e) => e.startsWith('NANOCLAW_TELEGRAM') || e.startsWith('NANOCLAW_APPROVAL'))).toBe(false);
  });

  it('gives the Postgres URL (which may hold a password) as a read-only file, never in the environment', () => {
    const onPg = vaultContainerSpec({ ...input, databaseUrlFile: '/run/user/0/nanoclaw/onecli.database-url' });
    const env = onPg.create.Env as string[];
    expect(env).toContain('NANOCLAW_DATABASE_URL_FILE=/run/nanoclaw/database.url');
    expect(env.some((e) => e.startsWith('NANOCLAW_DATABASE_URL='))).toBe(false);
    expect((onPg.create.HostConfig as Record<string, any>).Mounts).toContainEqual({
      Type: 'bind', Source: '/run/user/0/nanoclaw/onecli.database-url', Target: '/run/nanoclaw/database.url', ReadOnly: true,
    });
    expect(onPg.specHash).not.toBe(vaultContainerSpec(input).specHash);
    expect((vaultContainerSpec(input).create.Env as string[]).some((e) => e.startsWith('NANOCLAW_DATABASE'))).toBe(false);
  });
});
