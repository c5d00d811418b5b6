import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Logger, memorySink } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import type { ApprovalService, HoldRequest } from '../../src/vault/approvals/types.js';
import { startVault as startRealVault } from '../../src/vault/server.js';
import type { VaultStore } from '../../src/vault/store/types.js';
import { startTelegramBotApi, type TelegramBotApi } from '../support/telegram-bot-api.js';

// The whole flow with real parts: the vault as server.ts starts it (store on disk, approval
// service, Telegram channel) and a local server speaking the Bot API.

const TOKEN = `${800_000_000 + randomBytes(3).readUIntBE(0, 3)}:AA${randomBytes(24).toString('base64url')}`;
const CHAT = 5_550_042;

let dir: string;
let api: TelegramBotApi;
let sink: ReturnType<typeof memorySink>;
const cleanups: (() => Promise<void> | void)[] = [];

/** A vault process (server.ts's startVault, API only) with Telegram cards through the local Bot API. */
async function startVault(): Promise<{ store: VaultStore; service: ApprovalService; close: () => Promise<void> }> {
  const logger = new Logger({ level: 'debug', sink, redactor: new Redactor() });
  const vault = await startRealVault({
    dataDir: dir,
    env: {},
    logger,
    version: 'test',
    api: { host: '127.0.0.1', port: 0 },
    gateway: false,
    approvalTtlMs: 30_000,
    telegram: { token: TOKEN, apiBase: api.apiBase },
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await vault.close();
  };
  cleanups.push(close);
  return { store: vault.store, service: vault.approvals, close };
}

function holdRequest(store: VaultStore): HoldRequest {
  const { agent } = store.agents.create({ name: 'Billing', identifier: `billing-${randomBytes(3).toString('hex')}` });
  return { agent, secret: null, ruleId: null, method: 'POST', host: 'api.stripe.test', path: '/v1/refunds', target: '/v1/refunds', headers: {}, bodyPreview: '{"charge":"ch_1"}', bodyDigest: 'e'.repeat(64), bodySeen: 17, bodyUnseen: 0 };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-telegram-e2e-'));
  writeFileSync(join(dir, 'master.key'), randomBytes(32).toString('hex'), { mode: 0o600 });
  api = await startTelegramBotApi({ token: TOKEN });
  sink = memorySink();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
  expect(sink.lines.join('\n')).not.toContain(TOKEN);
});

describe('approval service with the Telegram channel', () => {
  it('hold → Telegram card → Approve pressed → the held request is approved and the card says so', async () => {
    const { store, service } = await startVault();
    store.approvers.create({ name: 'alice', role: 'owner', agentIds: [], channel: 'telegram', address: String(CHAT) });
    const outcome = service.hold(holdRequest(store), new AbortController().signal);
    const msg = await api.waitForMessage(CHAT);
    expect(msg.text).toContain('POST api.stripe.test/v1/refunds');
    const query = api.press({ message: msg, button: 'Approve', username: 'alice' });
    const result = await outcome;
    expect(result).toMatchObject({ decision: 'approved', grantId: null });
    expect(store.approvals.get(result.approvalId)).toMatchObject({ status: 'approved', decidedBy: 'telegram:@alice' });
    expect(await api.waitForAnswer(query)).toMatchObject({ text: 'Approved', showAlert: false });
    await api.waitForEdit(msg, '✅ Approved');
    expect(msg.buttons).toEqual([]);
    await new Promise((r) => setTimeout(r, 100)); // room for a second, wrong edit to arrive
    expect(msg.edits).toHaveLength(1); // the press and the service's settle do not both edit
    expect(sink.lines.filter((l) => / (WARN|ERROR) /.test(l))).toEqual([]);
  });

  it('Reject pressed → the held request is rejected', async () => {
    const { store, service } = await startVault();
    store.approvers.create({ name: 'alice', role: 'owner', agentIds: [], channel: 'telegram', address: String(CHAT) });
    const outcome = service.hold(holdRequest(store), new AbortController().signal);
    api.press({ message: await api.waitForMessage(CHAT), button: 'Reject' });
    expect(await outcome).toMatchObject({ decision: 'rejected' });
    await api.waitForEdit(api.messages[0]!, '❌ Rejected');
  });

  it('an orderly shutdown edits open cards to "Expired (host restarted)" before close() resolves', async () => {
    const { store, service, close } = await startVault();
    store.approvers.create({ name: 'alice', role: 'owner', agentIds: [], channel: 'telegram', address: String(CHAT) });
    const outcome = service.hold(holdRequest(store), new AbortController().signal);
    const msg = await api.waitForMessage(CHAT);
    await close();
    expect(msg.text.startsWith('Expired (host restarted)')).toBe(true);
    expect(await outcome).toMatchObject({ decision: 'expired' });
    const reopened = await startVault();
    expect(JSON.parse(reopened.store.getSetting('telegram:cards') ?? '')).toEqual({});
  });

  it('a card left pending by a crashed process is edited to "Expired (host restarted)" by the next one', async () => {
    const first = await startVault();
    first.store.approvers.create({ name: 'alice', role: 'owner', agentIds: [], channel: 'telegram', address: String(CHAT) });
    const outcome = first.service.hold(holdRequest(first.store), new AbortController().signal);
    const msg = await api.waitForMessage(CHAT);
    const id = first.store.approvals.list({ status: 'pending' })[0]?.id ?? '';
    // No orderly shutdown of the first process: a second one opens the same vault file and cleans up on start.
    const second = await startVault();
    expect(second.store.approvals.get(id)).toMatchObject({ status: 'expired', reason: 'expired (host restarted)' });
    await api.waitForEdit(msg, 'Expired (host restarted)');
    expect(msg.buttons).toEqual([]);
  });
});
