import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramBotApi, type TelegramBotApi } from '../support/telegram-bot-api.js';
import { runCli, startCli } from './cli-run.js';

// `ncl vault serve` reading the Telegram bot token from the file `ncl vault up` mounts into the
// vault container (NANOCLAW_TELEGRAM_TOKEN_FILE): a held request's card goes to the approver's
// chat, and pressing Approve there lets the request through.

const TOKEN = `${810_000_000 + randomBytes(2).readUInt16BE(0)}:AA${randomBytes(20).toString('base64url')}`;
const CHAT = 4_242_4242;

let dir: string;
let env: NodeJS.ProcessEnv;
let bot: TelegramBotApi;
let vault: Awaited<ReturnType<typeof startCli>>;
let gatewayPort: number;
let upstream: http.Server;
let upstreamPort: number;
const seen: string[] = [];

const ncl = (args: string[]) => runCli(args, { cwd: dir, env });

function postThroughGateway(token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: gatewayPort,
      method: 'POST',
      path: `http://127.0.0.1:${upstreamPort}/send`,
      headers: { 'proxy-authorization': `Basic ${Buffer.from(`x:${token}`).toString('base64')}`, 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  bot = await startTelegramBotApi({ token: TOKEN });
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push(body);
      res.end('sent');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'ncl-e2e-telegram-'));
  mkdirSync(join(dir, 'run'), { mode: 0o700 });
  const tokenFile = join(dir, 'run', 'onecli.telegram');
  writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
  env = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    NANOCLAW_VAULT_DIR: join(dir, 'vault'),
    NANOCLAW_ALLOW_PRIVATE: `127.0.0.1:${upstreamPort}`,
    NANOCLAW_TELEGRAM_TOKEN_FILE: tokenFile,
    NANOCLAW_TELEGRAM_API_BASE: bot.apiBase,
  };
  vault = await startCli(['vault', 'serve', '--api-listen', '127.0.0.1:0', '--gateway-listen', '127.0.0.1:0'], { cwd: dir, env, ready: /Vault API listening on (http:\/\/\S+)/ });
  const m = /Vault API listening on (http:\/\/\S+?); gateway on port (\d+)/.exec(vault.output())!;
  env.ONECLI_URL = m[1];
  gatewayPort = Number(m[2]);
});

afterAll(async () => {
  await vault?.stop();
  expect(vault?.output() ?? '').not.toContain(TOKEN);
  await bot?.close();
  await new Promise((r) => upstream?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('ncl vault serve with a Telegram bot token file', () => {
  it('sends the card to the approver chat; Approve pressed there lets the held request through', async () => {
    const agent = await ncl(['agents', 'create', '--name', 'Mailer', '--identifier', 'mailer']);
    expect(agent.code, agent.stderr).toBe(0);
    const approver = await ncl(['approvers', 'add', '--name', 'alice', '--role', 'owner', '--channel', 'telegram', '--address', String(CHAT), '--json']);
    expect(approver.code, approver.stderr).toBe(0);
    const rule = await ncl(['rules', 'create', '--action', 'manual_approval', '--host-pattern', '127.0.0.1', '--method', 'POST']);
    expect(rule.code, rule.stderr).toBe(0);

    const status = postThroughGateway(agent.json.token, 'to=bob&subject=hello');
    const msg = await bot.waitForMessage(CHAT);
    expect(msg.text).toContain('POST 127.0.0.1/send');
    expect(msg.text).toContain('mailer');
    expect(seen).toEqual([]); // held: nothing forwarded yet
    bot.press({ message: msg, button: 'Approve', username: 'alice' });
    expect(await status).toBe(200);
    expect(seen).toEqual(['to=bob&subject=hello']);
    await bot.waitForEdit(msg, '✅ Approved');
  });
});
