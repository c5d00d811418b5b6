import { X509Certificate } from 'node:crypto';
import { Writable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { AgentSummary } from '../docker/agent-container.js';
import { Logger, memorySink } from '../common/logger.js';
import { Redactor } from '../common/redact.js';
import type { CliContext } from './context.js';
import { formatAgentTable } from './launch-command.js';
import { agentUser, bundleIsCurrent, combinedBundle, hostAddresses, readNativeCredentials } from './launch-inputs.js';
import { agentsNeedingRestart } from './lockdown-command.js';

const agent = (over: Partial<AgentSummary>): AgentSummary => ({
  id: 'x', name: 'n', group: 'g', state: 'running', status: 'Up 1 minute', image: 'img:1',
  lockdown: false, native: false, command: null, project: '/p', createdAt: '', ...over,
});

describe('agentsNeedingRestart', () => {
  it('picks running agents of this project whose lockdown state is out of date', () => {
    const agents = [
      agent({ group: 'a', lockdown: false }),
      agent({ group: 'b', lockdown: true }),
      agent({ group: 'c', lockdown: false, state: 'exited' }),
      agent({ group: 'd', lockdown: false, project: '/other' }),
    ];
    expect(agentsNeedingRestart(agents, true, '/p').map((a) => a.group)).toEqual(['a']);
    expect(agentsNeedingRestart(agents, false, '/p').map((a) => a.group)).toEqual(['b']);
  });
});

describe('formatAgentTable', () => {
  it('aligns columns and says how to start one when empty', () => {
    const table = formatAgentTable([agent({ group: 'main', lockdown: true }), agent({ group: 'a-long-name', state: 'exited' })]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^GROUP\s+STATE\s+LOCKDOWN\s+NATIVE\s+IMAGE\s+STATUS$/);
    expect(lines[1]).toMatch(/^main\s+running\s+on\s+no\s+img:1\s+Up 1 minute$/);
    expect(lines[1]!.indexOf('running')).toBe(lines[2]!.indexOf('exited'));
    expect(formatAgentTable([])).toMatch(/ncl launch/);
  });
});

describe('combinedBundle', () => {
  it('holds every system CA and then the vault CA, each a parseable certificate', () => {
    const vaultPem = rootCertificates[0]!;
    const bundle = combinedBundle(vaultPem, rootCertificates.slice(1, 4));
    const pems = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    expect(pems).toHaveLength(4);
    expect(pems[3]).toBe(vaultPem.trim());
    for (const pem of pems) expect(() => new X509Certificate(pem)).not.toThrow();
    expect(combinedBundle(vaultPem).match(/BEGIN CERTIFICATE/g)?.length).toBe(rootCertificates.length + 1);
  });

  it('is current only for the vault CA and the Node it was written for', () => {
    const [vaultPem, otherPem] = [rootCertificates[0]!, rootCertificates[1]!];
    const bundle = combinedBundle(vaultPem, rootCertificates.slice(2, 5), '24.1.0');
    expect(bundleIsCurrent(bundle, vaultPem, '24.1.0')).toBe(true);
    expect(bundleIsCurrent(bundle, otherPem, '24.1.0')).toBe(false);
    expect(bundleIsCurrent(bundle, vaultPem, '24.2.0')).toBe(false);
    expect(bundleIsCurrent(null, vaultPem, '24.1.0')).toBe(false);
    // A bundle from before the header (or edited at the top) is rewritten.
    expect(bundleIsCurrent(bundle.slice(bundle.indexOf('\n') + 1), vaultPem, '24.1.0')).toBe(false);
    expect(bundleIsCurrent(combinedBundle(vaultPem), vaultPem)).toBe(true);
  });
});

describe('host facts', () => {
  it('the agent user is never root', () => {
    expect(agentUser().uid).not.toBe(0);
  });
  it('host addresses leave out loopback and link-local', () => {
    for (const a of hostAddresses()) expect(a).not.toMatch(/^(127\.|::1$|fe80)/i);
  });
});

describe('readNativeCredentials', () => {
  const ctx = (env: Record<string, string>): CliContext => ({
    cwd: '/nonexistent-project', env, stdin: process.stdin, stdout: new Writable(), stderr: new Writable(),
    logger: new Logger({ sink: memorySink(), redactor: new Redactor() }), prompter: {} as CliContext['prompter'], version: '0',
  });
  it('reads the values and registers them with the redactor', async () => {
    const c = ctx({ CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-abc', ANTHROPIC_BASE_URL: 'https://llm.example' });
    expect(await readNativeCredentials(c)).toEqual({ CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-abc', ANTHROPIC_BASE_URL: 'https://llm.example' });
    expect(c.logger.redactor.redact('x sk-ant-oat01-abc y')).not.toContain('sk-ant-oat01-abc');
  });
  it('fails clearly when none of the three credentials is set (a base URL alone is not enough)', async () => {
    await expect(readNativeCredentials(ctx({ ANTHROPIC_BASE_URL: 'https://x' }))).rejects.toMatchObject({ code: 'native_credentials_missing' });
  });
});
