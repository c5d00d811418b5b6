import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/config/env-file.js';
import { runCli, startCli } from './cli-run.js';

// `ncl approvals` against `ncl vault serve`: a request sent through the real gateway to a
// manual_approval host is held until the CLI approves or rejects it.

let dir: string;
let env: NodeJS.ProcessEnv;
let vault: Awaited<ReturnType<typeof startCli>>;
let gatewayPort: number;
let upstream: http.Server;
let upstreamPort: number;
const upstreamSeen: { url: string; body: string }[] = [];
let agentToken: string;

async function ncl(args: string[]) {
  return runCli(args, { cwd: dir, env });
}

/** A poll by an unnamed, unscoped host client: for 35 s after it, owners count as reachable. */
async function pollAsOwnerClient(): Promise<void> {
  const key = parseEnvFile(readFileSync(join(dir, '.env'), 'utf8')).get('ONECLI_API_KEY')!;
  const res = await fetch(`${env.ONECLI_URL}/api/approvals/pending?timeout=0`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
}

/** A POST through the gateway as the agent; resolves with the status and body the agent got. */
function sendThroughGateway(path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: gatewayPort,
      method: 'POST',
      path: `http://127.0.0.1:${upstreamPort}${path}`,
      headers: {
        'proxy-authorization': `Basic ${Buffer.from(`x:${agentToken}`).toString('base64')}`,
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function pendingId(): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const list = await ncl(['approvals', 'list', '--status', 'pending', '--json']);
    if (list.json?.data?.length) return list.json.data[0].id as string;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no pending approval appeared');
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      upstreamSeen.push({ url: req.url ?? '', body });
      res.end('paid');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'ncl-e2e-approvals-'));
  env = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    NANOCLAW_VAULT_DIR: join(dir, 'vault'),
    NANOCLAW_ALLOW_PRIVATE: `127.0.0.1:${upstreamPort}`,
    NANOCLAW_APPROVAL_TTL_SECONDS: '60',
  };
  vault = await startCli(['vault', 'serve', '--api-listen', '127.0.0.1:0', '--gateway-listen', '127.0.0.1:0'], { cwd: dir, env, ready: /Vault API listening on (http:\/\/\S+)/ });
  const m = /Vault API listening on (http:\/\/\S+?); gateway on port (\d+)/.exec(vault.output())!;
  env.ONECLI_URL = m[1];
  gatewayPort = Number(m[2]);
  const agent = await ncl(['agents', 'create', '--name', 'Main', '--identifier', 'main']);
  agentToken = agent.json.token;
});

afterAll(async () => {
  await vault?.stop();
  await new Promise((r) => upstream?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('ncl approvals, rules and approvers', () => {
  it('creates a manual_approval rule, lists it for people and scripts', async () => {
    const created = await ncl(['rules', 'create', '--action', 'manual_approval', '--host-pattern', '127.0.0.1', '--method', 'post', '--agent', 'main', '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json).toMatchObject({ action: 'manual_approval', hostPattern: '127.0.0.1', method: 'POST' });
    expect(created.json.agentId).toMatch(/^agt_/);
    const human = await ncl(['rules', 'list']);
    expect(human.stdout).toMatch(new RegExp(`${created.json.id}\\s+manual_approval\\s+POST 127\\.0\\.0\\.1`));
    const bad = await ncl(['rules', 'create', '--action', 'rate_limit', '--host-pattern', 'a.test']);
    expect(bad.code).toBe(2);
  });

  it('approves a held request from the CLI: the upstream then receives it', async () => {
    await pollAsOwnerClient();
    const sent = sendThroughGateway('/pay?amount=5', 'amount=5&to=alice');
    const id = await pendingId();
    expect(upstreamSeen).toEqual([]); // nothing forwarded while held
    const listed = await ncl(['approvals', 'list']);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toMatch(/pending, \d+s left|pending, \dm \d\ds left/);
    const shown = await ncl(['approvals', 'get', id]);
    expect(shown.stdout).toContain('amount=5&to=alice');
    expect(shown.stdout).toContain('Agent:    main');

    const approved = await ncl(['approvals', 'approve', id, '--reason', 'expected payment']);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`Approved ${id}`);
    expect(await sent).toEqual({ status: 200, body: 'paid' });
    expect(upstreamSeen).toEqual([{ url: '/pay?amount=5', body: 'amount=5&to=alice' }]);
    const got = await ncl(['approvals', 'get', id, '--json']);
    expect(got.json).toMatchObject({ status: 'approved', reason: 'expected payment', decidedBy: 'cli' });

    const again = await ncl(['approvals', 'reject', id]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ code: 'approval_already_decided' });
    const missing = await ncl(['approvals', 'approve', 'apr_nope']);
    expect(JSON.parse(missing.stderr)).toMatchObject({ code: 'not_found' });
  });

  it('rejects a held request: the agent gets 403 manual_approval_denied and the upstream sees nothing', async () => {
    await pollAsOwnerClient();
    const before = upstreamSeen.length;
    const sent = sendThroughGateway('/pay', 'amount=9000');
    const id = await pendingId();
    const rejected = await ncl(['approvals', 'reject', id, '--reason', 'too much', '--json']);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.json.data).toMatchObject({ id, status: 'rejected', reason: 'too much' });
    const answer = await sent;
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'manual_approval_denied', approval_id: id });
    expect(upstreamSeen).toHaveLength(before);
    const list = await ncl(['approvals', 'list', '--status', 'rejected', '--json']);
    expect(list.json.data.map((a: { id: string }) => a.id)).toContain(id);
  });

  it('approves with a time-boxed grant, lists and revokes it', async () => {
    await pollAsOwnerClient();
    const sent = sendThroughGateway('/pay/1', 'a=1');
    const id = await pendingId();
    const approved = await ncl(['approvals', 'approve', id, '--grant-minutes', '5', '--grant-path-prefix', '/pay']);
    expect(approved.stdout).toMatch(/Grant agr_\w+: POST 127\.0\.0\.1(:\d+)?\/pay\*/);
    expect((await sent).status).toBe(200);
    // Covered by the grant: through at once, no new approval.
    expect(await sendThroughGateway('/pay/2', 'a=2')).toEqual({ status: 200, body: 'paid' });
    const grants = await ncl(['approvals', 'grants', '--json']);
    expect(grants.json.data).toHaveLength(1);
    const revoked = await ncl(['approvals', 'revoke-grant', grants.json.data[0].id]);
    expect(revoked.stdout).toContain('Revoked grant');
    expect((await ncl(['approvals', 'grants'])).stdout).toContain('No live grants.');
  });

  it('adds, lists and removes approvers', async () => {
    const added = await ncl(['approvers', 'add', '--name', 'Ops', '--role', 'group_admin', '--channel', 'host', '--address', 'ops-box', '--agent', 'main', '--json']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json).toMatchObject({ name: 'Ops', role: 'group_admin', channel: 'host', address: 'ops-box' });
    expect((await ncl(['approvers', 'list'])).stdout).toMatch(/Ops\s+group_admin\s+host\s+ops-box/);
    expect((await ncl(['approvers', 'remove', added.json.id])).stdout).toContain(`Removed approver ${added.json.id}`);
    const refused = await ncl(['approvers', 'add', '--name', 'X', '--role', 'group_admin', '--channel', 'dashboard']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr)).toMatchObject({ code: 'validation_error' });
  });
});
