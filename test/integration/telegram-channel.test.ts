import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import type { Approval, Approver } from '../../src/vault/model/approvals.js';
import { TelegramApiError } from '../../src/vault/approvals/telegram/bot-api-client.js';
import { settingsKv } from '../../src/vault/approvals/telegram/card-registry.js';
import { createTelegramChannel, type TelegramChannelOptions, type TelegramDecideResult } from '../../src/vault/approvals/telegram/telegram-channel.js';
import { openStore } from '../../src/vault/store/store.js';
import { startTelegramBotApi, type TelegramBotApi } from '../support/telegram-bot-api.js';

// Shaped like a real bot token; the redactor's built-in token shapes do not match it, so only our code keeps it out of logs.
const TOKEN = `${700_000_000 + randomBytes(3).readUIntBE(0, 3)}:AA${randomBytes(24).toString('base64url')}`;
const CHAT = 5_550_001;

const approver: Approver = { id: 'apv_alice', name: 'alice', role: 'owner', agentIds: [], channel: 'telegram', address: String(CHAT), createdAt: '2030-01-01T00:00:00.000Z' };
let seq = 0;
const approval = (over: Partial<Approval> = {}): Approval => ({
  id: `apr_${(++seq).toString(16).padStart(24, '0')}`,
  kind: 'request',
  agentId: 'agt_1',
  agentIdentifier: 'billing-bot',
  secretId: 'sec_1',
  secretName: 'Stripe live',
  ruleId: 'rul_1',
  method: 'POST',
  host: 'api.stripe.test',
  path: '/v1/charges',
  headers: { 'content-type': 'application/json' },
  bodyPreview: '{"amount":500,"note":"<script>alert(1)</script> & co"}',
  bodyDigest: 'd'.repeat(64),
  bodySeen: 0,
  bodyUnseen: 0,
  status: 'pending',
  reason: null,
  routedTo: approver.id,
  decidedBy: null,
  createdAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 180_000).toISOString(),
  decidedAt: null,
  ...over,
});

let api: TelegramBotApi;
let sink: ReturnType<typeof memorySink>;
let decisions: [string, string, string][];
let answer: TelegramDecideResult;
const cleanups: (() => Promise<void> | void)[] = [];

function channel(over: Partial<TelegramChannelOptions> = {}) {
  const c = createTelegramChannel({
    token: TOKEN,
    apiBase: api.apiBase,
    logger: new Logger({ level: 'debug', sink, redactor: new Redactor() }),
    decide: (id, decision, by) => (decisions.push([id, decision, by]), answer),
    pollTimeoutSeconds: 2,
    pollBackoffMs: 50,
    ...over,
  });
  cleanups.push(() => c.close());
  return c;
}
const settledAs = (a: Approval, status: Approval['status'], reason: string | null): Approval => ({ ...a, status, reason, decidedAt: new Date().toISOString() });
const expectNoTokenLogged = () => {
  const all = sink.lines.join('\n');
  expect(all).not.toContain(TOKEN);
  expect(all).not.toContain(TOKEN.split(':')[1]);
  expect(all).not.toContain('[REDACTED]'); // nobody relied on the redactor to hide a URL
};

beforeEach(async () => {
  api = await startTelegramBotApi({ token: TOKEN });
  sink = memorySink();
  decisions = [];
  answer = 'ok';
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await api.close();
  expectNoTokenLogged();
});

describe('telegram approval channel', () => {
  it('sends one card with Approve / Reject buttons whose callback_data fits in 64 bytes', async () => {
    const tg = channel();
    expect(tg.reachable(approver)).toBe(false); // not started: button presses could not arrive
    tg.start();
    expect(tg.reachable(approver)).toBe(true);
    expect(tg.reachable({ ...approver, address: ' ' })).toBe(false);
    const a = approval();
    await tg.present(a, approver);
    expect(api.messages).toHaveLength(1);
    const [msg] = api.messages;
    expect(msg?.chatId).toBe(CHAT);
    expect(msg?.text).toContain('🔐 Credentials Request');
    expect(msg?.text).toContain('Agent: billing-bot');
    expect(msg?.text).toContain('POST api.stripe.test/v1/charges');
    expect(msg?.text).toContain('Secret: Stripe live');
    expect(msg?.text).toMatch(/Expires: \d\d:\d\d:\d\d UTC \(in 3 min\)/);
    expect(msg?.text).toContain('"note":"<script>alert(1)</script> & co"'); // escaped on the wire, shown verbatim
    expect(msg?.buttons.map((b) => b.text)).toEqual(['✅ Approve', '❌ Reject']);
    expect(msg?.buttons.map((b) => b.callback_data)).toEqual([`a:${a.id}`, `r:${a.id}`]);
    for (const b of msg?.buttons ?? []) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
  });

  it('sends an alert (a honeytoken was used) without buttons, naming the agent and the request, escaped', async () => {
    const tg = channel();
    tg.start();
    const alert = { id: 'alr_1', seq: 1, kind: 'honeytoken' as const, time: '2030-01-01T00:00:00.000Z', agentId: 'agt_1', agentIdentifier: 'billing-bot', secretName: 'AWS <root>', method: 'GET', host: 'sts.amazonaws.test', path: '/?Action=&x=<b>' };
    await tg.alert!(alert, approver);
    const msg = await api.waitForMessage(CHAT);
    expect(msg.text).toContain('Honeytoken used: request blocked');
    expect(msg.text).toContain('Agent: billing-bot');
    expect(msg.text).toContain('GET sts.amazonaws.test/?Action=&x=<b>');
    expect(msg.text).toContain('Decoy: AWS <root>');
    expect(msg.buttons).toEqual([]);
  });

  it('carries the longest id in exactly 64 bytes, refuses a longer one, and cuts a 4 KiB preview to fit', async () => {
    const tg = channel();
    tg.start();
    const longest = approval({ id: `apr_${'f'.repeat(58)}`, bodyPreview: '<&>'.repeat(1365) + 'z' });
    await tg.present(longest, approver);
    const msg = await api.waitForMessage(CHAT);
    expect(msg.buttons.map((b) => Buffer.byteLength(b.callback_data))).toEqual([64, 64]);
    expect(msg.text.length).toBeLessThanOrEqual(4096);
    expect(msg.text).toContain('<&><&>');
    expect(msg.text).toContain('…');
    const tooLong = approval({ id: `apr_${'f'.repeat(59)}` });
    await expect(tg.present(tooLong, approver)).rejects.toMatchObject({ code: 'telegram_callback_too_long' });
    expect(api.messages).toHaveLength(1);
  });

  it('offers a new host (egress mode ask) Allow once, Allow always and Deny; Allow always decides "always"', async () => {
    const tg = channel();
    tg.start();
    const a = approval({ kind: 'new_host', method: 'CONNECT', host: 'new.example.test', path: ':443', secretId: null, secretName: null, bodyPreview: '' });
    await tg.present(a, approver);
    const msg = await api.waitForMessage(CHAT);
    expect(msg.text).toContain('New host');
    expect(msg.text).toContain('CONNECT new.example.test:443');
    expect(msg.buttons.map((b) => b.text)).toEqual(['✅ Allow once', '📌 Allow always', '❌ Deny']);
    const query = api.press({ message: msg, button: 'Allow always', username: 'alice' });
    expect(await api.waitForAnswer(query)).toMatchObject({ text: 'Allowed always' });
    expect(decisions).toEqual([[a.id, 'always', 'telegram:@alice']]);
    await api.waitForEdit(msg, '✅ Approved');
  });

  for (const [button, decision, label, reply] of [
    ['Approve', 'approve', '✅ Approved', 'Approved'],
    ['Reject', 'deny', '❌ Rejected', 'Rejected'],
  ] as const) {
    it(`${button}: decides ${decision}, answers the press and edits the card to "${label}"`, async () => {
      const tg = channel();
      tg.start();
      const a = approval();
      await tg.present(a, approver);
      const msg = await api.waitForMessage(CHAT);
      const query = api.press({ message: msg, button, username: 'alice' });
      expect(await api.waitForAnswer(query)).toEqual({ queryId: query, text: reply, showAlert: false });
      expect(decisions).toEqual([[a.id, decision, 'telegram:@alice']]);
      await api.waitForEdit(msg, label);
      expect(msg.text.startsWith(label)).toBe(true);
      expect(msg.text).toContain('POST api.stripe.test/v1/charges'); // the summary stays
      expect(msg.buttons).toEqual([]); // no second press possible
      // The service then settles the card the same way: no second edit, no "not modified" warning.
      await tg.settle(settledAs(a, decision === 'approve' ? 'approved' : 'rejected', null), approver);
      expect(msg.edits).toHaveLength(1);
      expect(api.calls.filter((c) => c === 'editMessageText')).toHaveLength(1);
      expect(sink.lines.filter((l) => / WARN /.test(l))).toEqual([]);
    });
  }

  it('answers a press on an expired or decided request with an alert and leaves the card to settle', async () => {
    const tg = channel();
    tg.start();
    const a = approval();
    await tg.present(a, approver);
    const msg = await api.waitForMessage(CHAT);
    answer = 'expired';
    const query = api.press({ message: msg, button: 'Approve' });
    expect(await api.waitForAnswer(query)).toMatchObject({ showAlert: true, text: expect.stringContaining('expired') });
    expect(msg.edits).toEqual([]);
    expect(decisions).toHaveLength(1);
  });

  it('refuses presses from another chat, or naming another message, and decides nothing', async () => {
    const tg = channel();
    tg.start();
    const a = approval();
    const b = approval();
    await tg.present(a, approver);
    await tg.present(b, approver);
    const [msgA, msgB] = api.messages;
    if (!msgA || !msgB) throw new Error('two cards expected');
    const foreign = api.press({ message: msgA, button: 'Approve', fromChatId: 6_660_002 });
    // Right chat, but b's button data arriving on a's message (a forged or stale callback).
    const crossed = api.press({ message: msgA, button: `a:${b.id}` });
    const junk = api.press({ message: msgA, button: 'a:apr_unknown' });
    for (const q of [foreign, crossed, junk]) {
      expect(await api.waitForAnswer(q)).toMatchObject({ showAlert: true, text: expect.stringContaining('Not allowed') });
    }
    expect(decisions).toEqual([]);
    expect(msgA.edits).toEqual([]);
    expect(msgB.edits).toEqual([]);
  });

  it('answers /start with the chat id and the command that makes the chat an approver; other messages get nothing', async () => {
    const tg = channel();
    tg.start();
    api.say(7_770_003, 'hello bot');
    api.say(7_770_003, '/start');
    const reply = await api.waitForMessage(7_770_003);
    expect(reply.text).toContain("This chat's id is 7770003.");
    expect(reply.text).toContain('ncl approvers add --name <your name> --role owner --channel telegram --address 7770003');
    await new Promise((r) => setTimeout(r, 100));
    expect(api.messages.filter((m) => m.chatId === 7_770_003)).toHaveLength(1); // "hello bot" was not answered
    expect(decisions).toEqual([]);
  });

  it('settles cards as expired (no response) and cancelled (client disconnected), removing the buttons', async () => {
    const tg = channel();
    tg.start();
    const expired = approval();
    const cancelled = approval();
    await tg.present(expired, approver);
    await tg.present(cancelled, approver);
    await tg.settle(settledAs(expired, 'expired', 'expired (no response)'), approver);
    await tg.settle(settledAs(cancelled, 'cancelled', 'client disconnected'), approver);
    const [m1, m2] = api.messages;
    expect(m1?.text.startsWith('Expired (no response)')).toBe(true);
    expect(m2?.text.startsWith('Cancelled (client disconnected)')).toBe(true);
    expect(m1?.text).toContain('POST api.stripe.test/v1/charges');
    expect([m1?.buttons, m2?.buttons]).toEqual([[], []]);
    await tg.settle(settledAs(expired, 'expired', 'expired (no response)'), approver); // settled twice: nothing more sent
    expect(m1?.edits).toHaveLength(1);
  });

  it('after a restart, a new channel edits the old card to "Expired (host restarted)" through the persisted kv', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncl-telegram-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const masterKey = randomBytes(32);
    const open = () => openStore({ path: join(dir, 'vault.db'), masterKey, redactor: new Redactor() });
    const a = approval();
    const first = open();
    const before = channel({ kv: settingsKv(first) });
    before.start();
    await before.present(a, approver);
    await before.close();
    first.close();

    const second = open(); // the "restarted" vault process
    cleanups.push(() => second.close());
    const after = channel({ kv: settingsKv(second) });
    await after.settle(settledAs(a, 'expired', 'expired (host restarted)'), approver);
    const msg = api.messages[0];
    expect(msg?.text.startsWith('Expired (host restarted)')).toBe(true);
    expect(msg?.buttons).toEqual([]);
    expect(JSON.parse(second.getSetting('telegram:cards') ?? '')).toEqual({}); // settled cards are not kept
  });

  it('with the Bot API down, present rejects with a clear error and neither error nor log names the token', async () => {
    const apiBase = api.apiBase;
    await api.close();
    const tg = channel({ apiBase });
    tg.start();
    const err: unknown = await tg.present(approval(), approver).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TelegramApiError);
    const e = err as TelegramApiError;
    expect(e.message).toMatch(/^Telegram Bot API sendMessage failed: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
    expect(e.hint).toContain('NANOCLAW_TELEGRAM_API_BASE');
    for (const text of [e.message, e.hint, e.stack, JSON.stringify(e)]) expect(text).not.toContain(TOKEN);
    // The update loop keeps retrying, and says so without the URL.
    await api.until('getUpdates warning', () => sink.lines.find((l) => l.includes('getUpdates failed')));
    expect(sink.lines.find((l) => l.includes('Telegram card not sent'))).toContain('ECONNREFUSED');
  });

  it('with a wrong token, present rejects with 401 and a hint about TELEGRAM_BOT_TOKEN', async () => {
    const tg = channel({ token: `${TOKEN}x` });
    tg.start();
    const err = (await tg.present(approval(), approver).catch((e: unknown) => e)) as TelegramApiError;
    expect(err.message).toBe('Telegram Bot API sendMessage failed: 401 Unauthorized');
    expect(err.hint).toContain('TELEGRAM_BOT_TOKEN');
    expect(api.messages).toEqual([]);
  });

  it('refuses to present after close and is no longer reachable', async () => {
    const tg = channel();
    tg.start();
    await tg.close();
    expect(tg.reachable(approver)).toBe(false);
    await expect(tg.present(approval(), approver)).rejects.toMatchObject({ code: 'telegram_not_running' });
    expect(api.messages).toEqual([]);
  });
});
