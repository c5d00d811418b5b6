import { NanoclawError } from '../../../common/errors.js';
import type {
  AnswerCallbackQueryParams,
  EditMessageTextParams,
  GetUpdatesParams,
  SendMessageParams,
  TelegramMessage,
  TelegramUpdate,
} from './bot-api-types.js';

export const DEFAULT_TELEGRAM_API_BASE = 'https://api.telegram.org';
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface BotApiClientOptions {
  token: string;
  /** Where the Bot API lives; default https://api.telegram.org (a local server in tests). */
  apiBase?: string;
  /** Per-call limit for everything but the getUpdates long-poll, which gets its own timeout on top. */
  requestTimeoutMs?: number;
}

/** A Bot API call that failed. Its message names the method and Telegram's reason, never the URL (the token is in its path). */
export class TelegramApiError extends NanoclawError {
  /** HTTP status, or 0 when no answer arrived. */
  readonly status: number;
  readonly description: string;
  constructor(options: { method: string; status: number; description: string; hint: string }) {
    super('telegram_api_error', `Telegram Bot API ${options.method} failed: ${options.description}`, { hint: options.hint });
    this.name = 'TelegramApiError';
    this.status = options.status;
    this.description = options.description;
  }
}

export interface BotApiClient {
  sendMessage(params: SendMessageParams): Promise<TelegramMessage>;
  editMessageText(params: EditMessageTextParams): Promise<TelegramMessage | true>;
  answerCallbackQuery(params: AnswerCallbackQueryParams): Promise<true>;
  /** Long-polls for updates; `signal` ends the wait early (close). */
  getUpdates(params: GetUpdatesParams, signal?: AbortSignal): Promise<TelegramUpdate[]>;
}

interface BotApiReply {
  ok?: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
}

/** A small Bot API client over fetch: JSON POST to `<base>/bot<token>/<method>`, `{ok, result}` unwrapped. */
export function createBotApiClient(options: BotApiClientOptions): BotApiClient {
  const base = (options.apiBase ?? DEFAULT_TELEGRAM_API_BASE).replace(/\/+$/, '');
  const shownBase = URL.parse(base)?.origin ?? 'the configured Bot API base URL';
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // A hostile or misconfigured server could echo the path back; nothing it says may carry the token out.
  const scrub = (text: string) => (options.token ? text.split(options.token).join('[REDACTED]') : text);

  const fail = (method: string, status: number, description: string): TelegramApiError => {
    const hint =
      status === 401 || status === 404
        ? 'Check TELEGRAM_BOT_TOKEN: @BotFather shows the token of your bot'
        : status === 0
          ? `Check that ${shownBase} is reachable from the vault (NANOCLAW_TELEGRAM_API_BASE overrides it)`
          : 'Check the approver\'s chat id (ncl approvers list) and that the chat has started the bot';
    return new TelegramApiError({ method, status, description: scrub(description), hint });
  };

  async function call<T>(method: string, params: object, extraMs: number, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs + extraMs);
    const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    let reply: BotApiReply;
    try {
      response = await fetch(`${base}/bot${options.token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
        signal: abort,
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) throw fail(method, 0, `no answer from ${shownBase} within ${Math.round((timeoutMs + extraMs) / 1000)}s`);
      throw fail(method, 0, `cannot reach ${shownBase} (${networkCode(err)})`);
    }
    try {
      reply = (await response.json()) as BotApiReply;
    } catch {
      if (signal?.aborted) throw signal.reason;
      throw fail(method, response.status, `unexpected HTTP ${response.status} answer (not Bot API JSON) from ${shownBase}`);
    }
    if (reply.ok === true) return reply.result as T;
    const status = reply.error_code ?? response.status;
    throw fail(method, status, `${status} ${reply.description ?? 'no description'}`);
  }

  return {
    sendMessage: (params) => call('sendMessage', params, 0),
    editMessageText: (params) => call('editMessageText', params, 0),
    answerCallbackQuery: (params) => call('answerCallbackQuery', params, 0),
    getUpdates: (params, signal) => call('getUpdates', params, (params.timeout ?? 0) * 1000, signal),
  };
}

/** The errno-like code of a fetch failure (undici wraps it in `cause`); never the URL. */
function networkCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; name?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.name === 'string') return cause.name;
  return 'network error';
}
