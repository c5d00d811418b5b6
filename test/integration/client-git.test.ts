import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubStandIn } from '../support/github-standin.js';
import { dumpAgent, secretForms } from './agent-dump.js';
import { LaunchHarness } from './launch-harness.js';

// Unmodified git in an agent launched under lockdown, against a stand-in for github.com that
// runs real `git http-backend` and, like GitHub, takes only Basic x-access-token:<token>. The one
// GitHub secret (.github.com) is stored as the README stores it.

const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const GIT_AUTH = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
const GRANTED = `git-a-${randomBytes(3).toString('hex')}`;
const BARE = `git-b-${randomBytes(3).toString('hex')}`;
const KEEP_ALIVE = ['node', '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30)"];
const IDENTITY = '-c user.name=agent -c user.email=agent@nanoclaw.test';

let h: LaunchHarness;

beforeAll(async () => {
  h = await LaunchHarness.start({ lockdown: true, upstreamHandler: githubStandIn(TOKEN) });
  const gh = await h.client.createSecret({ name: 'GitHub', type: 'api_key', value: TOKEN, hostPattern: '.github.com' });
  for (const folder of [GRANTED, BARE]) {
    await h.client.createAgent({ name: folder, identifier: folder, secretMode: 'selective' });
    await h.writeGroup(folder, { agentGroupId: folder });
  }
  await h.client.setAgentSecrets(GRANTED, [gh.id]);
  for (const folder of [GRANTED, BARE]) {
    const r = await h.ncl(['launch', folder, '--', ...KEEP_ALIVE]);
    expect(r.code, r.stderr + r.logs.join('\n')).toBe(0);
    expect(r.json.stubs.written).toContain('.config/git/config');
  }
}, 600_000);

afterAll(async () => {
  const all = h?.outputs.join('\n') ?? '';
  await h?.[Symbol.asyncDispose]();
  expect(all).not.toContain(TOKEN);
});

const sh = (folder: string, script: string) => h.exec(folder, ['sh', '-c', script]);

describe('git over HTTPS to github.com from a real agent (lockdown)', () => {
  it('clones a private repository and pushes to it with the one GitHub secret', async () => {
    const before = (await h.upstream.requests()).length;
    const r = await sh(GRANTED, `cd /tmp && git clone -q https://github.com/o/private.git w && cd w && git ${IDENTITY} commit -q --allow-empty -m from-agent && git push -q origin HEAD:main && echo pushed`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('pushed');
    const check = await sh(GRANTED, 'cd /tmp && git clone -q https://github.com/o/private.git w2 && git -C w2 log -1 --format=%s');
    expect(check.stdout.trim()).toBe('from-agent');
    const seen = (await h.upstream.requests()).slice(before).filter((x) => x.headers.host === 'github.com');
    expect(seen.some((x) => x.method === 'POST' && x.url.endsWith('/git-receive-pack'))).toBe(true);
    // Every request carried the token in the form GitHub's git endpoint takes.
    for (const x of seen) expect(x.headers.authorization, `${x.method} ${x.url}`).toBe(GIT_AUTH);
  });

  it('the agent holds no token: only placeholders in its env and its git credential helper', async () => {
    const env = await sh(GRANTED, 'env; cat ~/.config/git/config');
    expect(env.stdout).toContain('GH_TOKEN=onecli-managed');
    expect(env.stdout).toContain('GITHUB_TOKEN=onecli-managed');
    expect(env.stdout).toContain('password=onecli-managed');
    const dump = await dumpAgent(h.docker, h.containerName(GRANTED), '1000:1000');
    expect(dump.text).toContain('=== file /home/node/.config/git/config');
    for (const form of secretForms(TOKEN)) expect(dump.text.includes(form)).toBe(false);
  });

  it('without a grant: a public repository still clones, and git shows why and where to connect', async () => {
    const before = (await h.upstream.requests()).length;
    const pub = await sh(BARE, 'cd /tmp && git clone -q https://github.com/o/public.git p && git -C p log -1 --format=%s');
    expect(pub.stdout.trim()).toBe('seed');
    const priv = await sh(BARE, 'cd /tmp && git clone -q https://github.com/o/private.git q; echo exit=$?');
    expect(priv.stdout).toContain('exit=128');
    expect(priv.stderr).toMatch(/remote error: github\.com answered unauthorized and no credential for it is connected to this agent.*connect\?host=github\.com/);
    const push = await sh(BARE, `cd /tmp/p && git ${IDENTITY} commit -q --allow-empty -m nope && git push -q origin HEAD:main; echo exit=$?`);
    expect(push.stdout).toContain('exit=128');
    expect(push.stderr).toContain('connect?host=github.com');
    // No placeholder (nor any credential) reached the upstream from this agent.
    for (const x of (await h.upstream.requests()).slice(before)) expect(x.headers.authorization).toBeUndefined();
  });
});
