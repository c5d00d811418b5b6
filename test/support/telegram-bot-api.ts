import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server that speaks the Telegram Bot API's HTTP protocol for the methods the approval
 * channel uses: POST (or GET) /bot<token>/<method> with JSON, form or query parameters, answers
 * `{ok:true,result}` or `{ok:false,error_code,description}` as Telegram does, long-polls getUpdates
 * with offset/timeout semantics, and validates what Telegram validates (HTML entities, 4096
 * characters, callback_data 1–64 bytes). Tests read what was sent and press buttons.
 */

export interface KeyboardButton {
  text: string;
  callback_data: string;
}
export interface SentMessage {
  chatId: number;
  messageId: number;
  /** The visible text (tags removed), as Telegram stores it. */
  text: string;
  /** The text as the bot sent it (HTML markup included). */
  html: string;
  buttons: KeyboardButton[];
  /** Visible texts of every edit, oldest first. */
  edits: string[];
}
export interface CallbackAnswer {
  queryId: string;
  text: string | undefined;
  showAlert: boolean;
}
export interface PressOptions {
  message: SentMessage;
  /** The button's label (e.g. "✅ Approve") or its callback_data. */
  button: string;
  /** The chat the press comes from (default the message's chat). */
  fromChatId?: number;
  fromUserId?: number;
  username?: string;
}

class BotApiError extends Error {
  readonly code: number;
  readonly description: string;

  constructor(code: number, description: string) {
    super(description);
    this.code = code;
    this.description = description;
  }
}
const bad = (description: string) => new BotApiError(400, `Bad Request: ${description}`);
const ALLOWED_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'code', 'pre', 'a', 'tg-spoiler', 'blockquote']);

/** Telegram's HTML parse: the visible text, or the same kind of error Telegram gives for bad markup. */
export function parseTelegramHtml(html: string): string {
  const stack: string[] = [];
  let out = '';
  for (let i = 0; i < html.length; ) {
    const rest = html.slice(i);
    if (rest.startsWith('<')) {
      const tag = /^<(\/?)([a-z-]+)(?:\s[^<>]*)?>/i.exec(rest);
      if (!tag?.[2] || !ALLOWED_TAGS.has(tag[2].toLowerCase())) throw bad(`can't parse entities: Unsupported start tag at byte offset ${i}`);
      if (tag[1] === '/' && stack.pop() !== tag[2].toLowerCase()) throw bad(`can't parse entities: Unmatched end tag at byte offset ${i}`);
      if (tag[1] !== '/') stack.push(tag[2].toLowerCase());
      i += tag[0].length;
    } else if (rest.startsWith('&')) {
      const entity = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/i.exec(rest);
      const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
      if (!entity?.[1]) throw bad(`can't parse entities: Character '&' is reserved and must be escaped at byte offset ${i}`);
      out += named[entity[1].toLowerCase()] ?? String.fromCodePoint(Number(entity[1].replace(/^#x?/i, (p) => (p.length > 1 ? '0x' : ''))));
      i += entity[0].length;
    } else {
      out += html[i];
      i += 1;
    }
  }
  if (stack.length > 0) throw bad(`can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"`);
  return out;
}

function keyboardOf(markup: unknown): KeyboardButton[] {
  const parsed = typeof markup === 'string' ? (JSON.parse(markup) as unknown) : markup;
  const rows = (parsed as { inline_keyboard?: unknown } | undefined)?.inline_keyboard;
  if (parsed === undefined) return [];
  if (!Array.isArray(rows)) throw bad("can't parse reply keyboard markup JSON object");
  return rows.flat().map((b: { text?: unknown; callback_data?: unknown }) => {
    const data = String(b.callback_data ?? '');
    if (!b.text) throw bad('BUTTON_TEXT_INVALID');
    if (data === '' || Buffer.byteLength(data) > 64) throw bad('BUTTON_DATA_INVALID');
    return { text: String(b.text), callback_data: data };
  });
}

function visibleText(params: Record<string, unknown>): { text: string; html: string } {
  const html = String(params.text ?? '');
  const text = params.parse_mode === 'HTML' ? parseTelegramHtml(html) : html;
  if (text.trim() === '') throw bad('message text is empty');
  if (text.length > 4096) throw bad('message is too long');
  return { text, html };
}

async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = req.headers['content-type'] ?? '';
  if (body !== '' && type.startsWith('application/json')) Object.assign(params, JSON.parse(body));
  else if (body !== '' && type.startsWith('application/x-www-form-urlencoded')) Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
  return params;
}

/** Starts the server on 127.0.0.1 with a random port. `apiBase` is what NANOCLAW_TELEGRAM_API_BASE would hold. */
export async function startTelegramBotApi(options: { token: string }) {
  const messages: SentMessage[] = [];
  const answers: CallbackAnswer[] = [];
  const calls: string[] = [];
  const updates: { update_id: number; callback_query?: unknown; message?: unknown }[] = [];
  const openQueries = new Set<string>();
  let nextUpdateId = 700_000;
  let nextMessageId = 40;
  let nextQueryId = 9_000;
  let waiting: { wake(): void; conflict(): void } | null = null;

  const findMessage = (chatId: unknown, messageId: unknown) => messages.find((m) => String(m.chatId) === String(chatId) && m.messageId === Number(messageId));

  const methods: Record<string, (p: Record<string, unknown>, res: ServerResponse) => Promise<unknown>> = {
    getMe: async () => ({ id: Number(options.token.split(':')[0]), is_bot: true, first_name: 'Nanoclaw test bot', username: 'nanoclaw_test_bot' }),
    async sendMessage(p) {
      if (!/^-?\d+$/.test(String(p.chat_id ?? ''))) throw bad('chat not found');
      const { text, html } = visibleText(p);
      const message: SentMessage = { chatId: Number(p.chat_id), messageId: ++nextMessageId, text, html, buttons: keyboardOf(p.reply_markup), edits: [] };
      messages.push(message);
      return { message_id: message.messageId, chat: { id: message.chatId, type: 'private' }, date: Math.floor(Date.now() / 1000), text };
    },
    async editMessageText(p) {
      const message = findMessage(p.chat_id, p.message_id);
      if (!message) throw bad('message to edit not found');
      const { text, html } = visibleText(p);
      const buttons = keyboardOf(p.reply_markup);
      if (text === message.text && JSON.stringify(buttons) === JSON.stringify(message.buttons)) {
        throw bad('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
      }
      Object.assign(message, { text, html, buttons });
      message.edits.push(text);
      return { message_id: message.messageId, chat: { id: message.chatId, type: 'private' }, date: Math.floor(Date.now() / 1000), text };
    },
    async answerCallbackQuery(p) {
      const queryId = String(p.callback_query_id ?? '');
      if (!openQueries.delete(queryId)) throw bad('query is too old and response timeout expired or query ID is invalid');
      answers.push({ queryId, text: p.text === undefined ? undefined : String(p.text), showAlert: p.show_alert === true || p.show_alert === 'true' });
      return true;
    },
    async getUpdates(p, res) {
      const offset = Number(p.offset ?? 0);
      if (offset > 0) updates.splice(0, updates.filter((u) => u.update_id < offset).length); // confirmed: forgotten
      if (offset < 0) updates.splice(0, Math.max(0, updates.length + offset));
      const timeoutMs = Math.min(Number(p.timeout ?? 0), 50) * 1000;
      if (updates.length === 0 && timeoutMs > 0) {
        waiting?.conflict();
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(done, timeoutMs);
          const me = { wake: done, conflict: () => fail(new BotApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running')) };
          function finish() {
            clearTimeout(timer);
            if (waiting === me) waiting = null;
          }
          function done() {
            finish();
            resolve();
          }
          function fail(err: Error) {
            finish();
            reject(err);
          }
          waiting = me;
          res.once('close', done); // the client went away (channel closed)
        });
      }
      return updates.slice(0, Number(p.limit ?? 100));
    },
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const reply = (code: number, body: object) => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!m || m[1] !== options.token) return reply(m ? 401 : 404, { ok: false, error_code: m ? 401 : 404, description: m ? 'Unauthorized' : 'Not Found' });
    const method = methods[m[2] ?? ''];
    calls.push(m[2] ?? '');
    if (!method) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    readParams(req, url)
      .then((params) => method(params, res))
      .then((result) => reply(200, { ok: true, result }))
      .catch((err: unknown) => {
        const e = err instanceof BotApiError ? err : bad(String(err));
        reply(e.code, { ok: false, error_code: e.code, description: e.description });
      });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  async function until<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`telegram-bot-api: no ${what} within ${timeoutMs} ms (calls so far: ${calls.join(',')})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  const api = {
    apiBase: `http://127.0.0.1:${port}`,
    messages,
    answers,
    /** Method names in the order they were called (with the right token). */
    calls,
    /** Injects a callback_query update as if a user pressed `button` on `message`; returns the query id. */
    press(p: PressOptions): string {
      const button = p.message.buttons.find((b) => b.text.includes(p.button) || b.callback_data === p.button);
      const queryId = String(++nextQueryId);
      openQueries.add(queryId);
      const userId = p.fromUserId ?? p.fromChatId ?? p.message.chatId;
      updates.push({
        update_id: ++nextUpdateId,
        callback_query: {
          id: queryId,
          from: { id: userId, is_bot: false, first_name: 'Tester', ...(p.username ? { username: p.username } : {}) },
          message: { message_id: p.message.messageId, chat: { id: p.fromChatId ?? p.message.chatId, type: 'private' }, date: Math.floor(Date.now() / 1000), text: p.message.text },
          chat_instance: `ci-${p.fromChatId ?? p.message.chatId}`,
          data: button?.callback_data ?? p.button,
        },
      });
      waiting?.wake();
      return queryId;
    },
    /** Injects a message update as if a user wrote `text` to the bot from `chatId`. */
    say(chatId: number, text: string): void {
      updates.push({
        update_id: ++nextUpdateId,
        message: { message_id: ++nextMessageId, chat: { id: chatId, type: 'private' }, date: Math.floor(Date.now() / 1000), text },
      });
      waiting?.wake();
    },
    waitForMessage: (chatId: number, timeoutMs?: number) => until(`message to chat ${chatId}`, () => messages.find((m) => m.chatId === chatId), timeoutMs),
    waitForAnswer: (queryId: string, timeoutMs?: number) => until(`answer to callback query ${queryId}`, () => answers.find((a) => a.queryId === queryId), timeoutMs),
    waitForEdit: (message: SentMessage, contains: string, timeoutMs?: number) =>
      until(`edit of message ${message.messageId} containing "${contains}"`, () => (message.text.includes(contains) && message.edits.length > 0 ? message.text : undefined), timeoutMs),
    until,
    async close(): Promise<void> {
      waiting?.wake();
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
    [Symbol.asyncDispose]: () => api.close(),
  };
  return api;
}

export type TelegramBotApi = Awaited<ReturnType<typeof startTelegramBotApi>>;
