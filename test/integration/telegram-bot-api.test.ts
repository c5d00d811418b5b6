import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTelegramBotApi, type TelegramBotApi } from '../support/telegram-bot-api.js';

// The local Bot API server must behave like Telegram where the channel depends on it,
// or the channel tests prove nothing. These talk to it with plain fetch.

const TOKEN = '123456789:AAtest-token-for-the-fake-server';
let api: TelegramBotApi;
const call = async (method: string, init: RequestInit = {}, token = TOKEN) => {
  const res = await fetch(`${api.apiBase}/bot${token}/${method}`, { method: 'POST', ...init });
  return { status: res.status, body: (await res.json()) as { ok: boolean; result?: any; error_code?: number; description?: string } };
};
const json = (body: object): RequestInit => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeEach(async () => {
  api = await startTelegramBotApi({ token: TOKEN });
});
afterEach(() => api.close());

describe('local Telegram Bot API server', () => {
  it('answers 401 for a wrong token and 404 for an unknown method, in Bot API JSON', async () => {
    expect(await call('getMe', {}, `${TOKEN}x`)).toEqual({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
    expect(await call('sendPhoto')).toEqual({ status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } });
    expect((await call('getMe')).body).toMatchObject({ ok: true, result: { id: 123456789, is_bot: true } });
  });

  it('takes form bodies with reply_markup as a JSON string, like Telegram', async () => {
    const form = new URLSearchParams({ chat_id: '42', text: 'hi <b>there</b>', parse_mode: 'HTML', reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'Go', callback_data: 'g' }]] }) });
    const { body } = await call('sendMessage', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(body).toMatchObject({ ok: true, result: { chat: { id: 42 }, text: 'hi there' } });
    expect(api.messages[0]).toMatchObject({ chatId: 42, text: 'hi there', buttons: [{ text: 'Go', callback_data: 'g' }] });
  });

  it('refuses what Telegram refuses: bad HTML, long text, oversized callback_data, no-op edits', async () => {
    const send = (over: object) => call('sendMessage', json({ chat_id: 42, text: 'x', ...over }));
    expect((await send({ text: 'a < b & c', parse_mode: 'HTML' })).body.description).toMatch(/^Bad Request: can't parse entities/);
    expect((await send({ text: 'y'.repeat(4097) })).body.description).toBe('Bad Request: message is too long');
    const markup = (data: string) => ({ reply_markup: { inline_keyboard: [[{ text: 'B', callback_data: data }]] } });
    expect((await send(markup('d'.repeat(65)))).body).toEqual({ ok: false, error_code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' });
    expect((await send(markup('d'.repeat(64)))).body.ok).toBe(true);
    const messageId = api.messages[0]?.messageId;
    expect((await call('editMessageText', json({ chat_id: 42, message_id: messageId, text: 'x', ...markup('d'.repeat(64)) }))).body.description).toMatch(/message is not modified/);
    expect((await call('editMessageText', json({ chat_id: 42, message_id: messageId, text: 'x' }))).body.ok).toBe(true); // markup removed: a change
    expect((await call('editMessageText', json({ chat_id: 43, message_id: messageId, text: 'x' }))).body.description).toBe('Bad Request: message to edit not found');
  });

  it('long-polls getUpdates, confirms updates by offset, and answers each callback query once', async () => {
    await call('sendMessage', json({ chat_id: 42, text: 'card', reply_markup: { inline_keyboard: [[{ text: 'Approve', callback_data: 'a:1' }]] } }));
    const started = Date.now();
    const poll = call('getUpdates', json({ timeout: 5 }));
    await new Promise((r) => setTimeout(r, 100));
    const queryId = api.press({ message: api.messages[0]!, button: 'Approve' });
    const first = (await poll).body.result as { update_id: number; callback_query: { id: string; data: string } }[];
    expect(Date.now() - started).toBeLessThan(3000); // woken by the press, not by the timeout
    expect(first.map((u) => u.callback_query)).toMatchObject([{ id: queryId, data: 'a:1', message: { chat: { id: 42 } } }]);
    const updateId = first[0]!.update_id;
    expect((await call('getUpdates', json({ offset: updateId }))).body.result).toHaveLength(1); // not yet confirmed
    expect((await call('getUpdates', json({ offset: updateId + 1 }))).body.result).toEqual([]);
    expect((await call('getUpdates', json({}))).body.result).toEqual([]); // confirmed updates are gone
    expect((await call('answerCallbackQuery', json({ callback_query_id: queryId, text: 'ok' }))).body.ok).toBe(true);
    expect((await call('answerCallbackQuery', json({ callback_query_id: queryId }))).body.description).toMatch(/query is too old/);
  });

  it('ends an older long-poll with 409 Conflict when a second poller starts', async () => {
    const older = call('getUpdates', json({ timeout: 5 }));
    await new Promise((r) => setTimeout(r, 100));
    const newer = call('getUpdates', json({ timeout: 1 }));
    expect(await older).toMatchObject({ status: 409, body: { ok: false, error_code: 409, description: expect.stringContaining('Conflict') } });
    expect((await newer).body).toEqual({ ok: true, result: [] });
  });
});
