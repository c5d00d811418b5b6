import { randomBytes } from 'node:crypto';
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiStandIns } from '../support/api-standins.js';
import { ensureClientSdks } from '../support/client-sdks.js';
import { ensureClaudeAgentImage } from '../support/product-images.js';
import { dumpAgent, secretForms } from './agent-dump.js';
import { LaunchHarness } from './launch-harness.js';

// Unmodified clients in agents launched under lockdown, against stand-ins for api.anthropic.com
// and api.openai.com that answer 401 unless they get the real credential: the Claude Code CLI
// (pinned, in the default agent image), the Anthropic TypeScript SDK streaming, and the OpenAI SDK
// exactly as its README shows. Each answer must come back, the upstream must have seen the real
// credential, the container must hold none, and without a grant the output must carry the connect URL.

const hex = (n: number) => randomBytes(n).toString('hex');
const SECRETS = { anthropicKey: `sk-ant-api03-${hex(20)}`, anthropicOauth: `sk-ant-oat01-${hex(20)}`, openaiKey: `sk-proj-${hex(20)}` };
const REPLY = `pong-${hex(4)}`;
const GROUPS = { key: `cc-key-${hex(3)}`, oauth: `cc-oauth-${hex(3)}`, none: `cc-none-${hex(3)}` };
const KEEP_ALIVE = ['node', '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30)"];
const CONNECT = 'connect?host=';

let h: LaunchHarness;

beforeAll(async () => {
  h = await LaunchHarness.start({ lockdown: true, upstreamHandler: apiStandIns({ ...SECRETS, reply: REPLY }) });
  const [image, sdks] = await Promise.all([ensureClaudeAgentImage({ docker: h.docker }), ensureClientSdks()]);
  const c = h.client;
  const key = await c.createSecret({ name: 'claude-key', type: 'anthropic', value: SECRETS.anthropicKey, hostPattern: 'api.anthropic.com' });
  const oauth = await c.createSecret({ name: 'claude-oauth', type: 'anthropic', value: SECRETS.anthropicOauth, hostPattern: 'api.anthropic.com' });
  const openai = await c.createSecret({ name: 'openai', type: 'openai', value: SECRETS.openaiKey, hostPattern: 'api.openai.com' });
  const grants = { key: [key.id, openai.id], oauth: [oauth.id], none: [] };
  for (const [kind, folder] of Object.entries(GROUPS) as [keyof typeof GROUPS, string][]) {
    await c.createAgent({ name: folder, identifier: folder, secretMode: 'selective' });
    await c.setAgentSecrets(folder, grants[kind]);
    const dir = await h.writeGroup(folder, { agentGroupId: folder, image, env: { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' } });
    await mkdir(join(dir, 'home'), { recursive: true });
    await cp(sdks, join(dir, 'home', 'node_modules'), { recursive: true });
    const r = await h.ncl(['launch', folder, '--', ...KEEP_ALIVE]);
    expect(r.code, r.stderr + r.logs.join('\n')).toBe(0);
  }
}, 900_000);

afterAll(async () => {
  const all = h?.outputs.join('\n') ?? '';
  await h?.[Symbol.asyncDispose]();
  for (const v of Object.values(SECRETS)) expect(all).not.toContain(v);
});

const sh = (folder: string, script: string) => h.exec(folder, ['sh', '-c', `cd /home/node && ${script}`]);
/** The requests the stand-in got for `host` while `action` ran. */
async function seenDuring(host: string, action: () => Promise<unknown>) {
  const before = (await h.upstream.requests()).length;
  await action();
  return (await h.upstream.requests()).slice(before).filter((x) => x.headers.host === host);
}

const ANTHROPIC_STREAM = `node --input-type=module -e "
import Anthropic from '@anthropic-ai/sdk';
const client = new Anthropic();
const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'ping' }] });
let deltas = 0;
stream.on('text', () => deltas++);
const text = await stream.finalText();
console.log(text + ' deltas=' + deltas);
" 2>&1`;

const OPENAI_README = `node --input-type=module -e "
import OpenAI from 'openai';
const client = new OpenAI();
const response = await client.responses.create({ model: 'gpt-5.2', instructions: 'You are a coding assistant that talks like a pirate', input: 'Are semicolons optional in JavaScript?' });
console.log(response.output_text);
const completion = await client.chat.completions.create({ model: 'gpt-5.2', messages: [{ role: 'user', content: 'ping' }] });
console.log(completion.choices[0].message.content);
" 2>&1`;

describe('real clients in a real agent (lockdown)', () => {
  it('Claude Code with an API key', async () => {
    let out = '';
    const seen = await seenDuring('api.anthropic.com', async () => (out = (await sh(GROUPS.key, 'claude -p "Say pong" 2>&1')).stdout));
    expect(out).toContain(REPLY);
    expect(seen.some((x) => x.url.startsWith('/v1/messages'))).toBe(true);
    for (const x of seen) expect(x.headers['x-api-key']).toBe(SECRETS.anthropicKey);
  });

  it('Claude Code with an OAuth token', async () => {
    const env = await sh(GROUPS.oauth, 'env');
    expect(env.stdout).toContain('CLAUDE_CODE_OAUTH_TOKEN=onecli-managed');
    expect(env.stdout).not.toContain('ANTHROPIC_API_KEY=');
    let out = '';
    const seen = await seenDuring('api.anthropic.com', async () => (out = (await sh(GROUPS.oauth, 'claude -p "Say pong" 2>&1')).stdout));
    expect(out).toContain(REPLY);
    expect(seen.length).toBeGreaterThan(0);
    for (const x of seen) expect(x.headers.authorization).toBe(`Bearer ${SECRETS.anthropicOauth}`);
  });

  it('the Anthropic TypeScript SDK, streaming', async () => {
    let out = '';
    const seen = await seenDuring('api.anthropic.com', async () => (out = (await sh(GROUPS.key, ANTHROPIC_STREAM)).stdout));
    expect(out.trim()).toBe(`${REPLY} deltas=2`);
    expect(seen.map((x) => x.headers['x-api-key'])).toEqual([SECRETS.anthropicKey]);
  });

  it('the OpenAI SDK exactly as its README shows (new OpenAI())', async () => {
    let out = '';
    const seen = await seenDuring('api.openai.com', async () => (out = (await sh(GROUPS.key, OPENAI_README)).stdout));
    expect(out.trim().split('\n')).toEqual([REPLY, REPLY]);
    expect(seen.map((x) => x.url)).toEqual(['/v1/responses', '/v1/chat/completions']);
    for (const x of seen) expect(x.headers.authorization).toBe(`Bearer ${SECRETS.openaiKey}`);
  });

  it('without a grant, each client starts, reaches the gateway and shows the connect URL', async () => {
    const seen = await seenDuring('api.anthropic.com', async () => {
      const claude = await sh(GROUPS.none, 'claude -p "Say pong" 2>&1');
      expect(claude.stdout).toContain(`${CONNECT}api.anthropic.com`);
      const sdk = await sh(GROUPS.none, ANTHROPIC_STREAM);
      expect(sdk.stdout).toContain(`${CONNECT}api.anthropic.com`);
    });
    const openai = await sh(GROUPS.none, OPENAI_README);
    expect(openai.stdout).toContain(`${CONNECT}api.openai.com`);
    // The placeholder never went upstream: the gateway took it out.
    expect(seen.length).toBeGreaterThan(0);
    for (const x of seen) expect(JSON.stringify(x.rawHeaders)).not.toContain('onecli-managed');
  });

  it('no container holds a credential, after every client ran', async () => {
    for (const folder of Object.values(GROUPS)) {
      const dump = await dumpAgent(h.docker, h.containerName(folder), '1000:1000');
      expect(dump.files).toBeGreaterThan(50);
      for (const [name, value] of Object.entries(SECRETS)) {
        for (const form of secretForms(value)) expect(dump.text.includes(form), `${name} in ${folder}`).toBe(false);
      }
    }
  });

  // Last: the group's container is then the command, which exits.
  it('ncl launch <group> -- claude -p "…" answers (the container is the command)', async () => {
    const r = await h.ncl(['launch', GROUPS.oauth, '--', 'claude', '-p', 'Say pong']);
    expect(r.code, r.stderr).toBe(0);
    const container = h.docker.getContainer(r.json.id);
    expect((await container.wait()).StatusCode).toBe(0);
    const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toContain(REPLY);
  });
});
