import { NanoclawError, errorMessage } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { Alert, Approval, Approver } from '../../model/approvals.js';
import type { ApprovalChannel } from '../types.js';
import { createBotApiClient, TelegramApiError, type BotApiClient } from './bot-api-client.js';
import { encodeCallbackData } from './callback-data.js';
import { createCardRegistry, type CardRef, type TelegramKv } from './card-registry.js';
import { handleButtonPress, type TelegramDecide } from './button-press.js';
import { outcomeLabel, renderAlert, renderCard } from './card-text.js';
import { answerChatIdRequest } from './chat-id-reply.js';
import { startUpdatePoller, type UpdatePoller } from './update-poller.js';

export type { TelegramDecide, TelegramDecideResult } from './button-press.js';
export type { TelegramKv } from './card-registry.js';

export interface TelegramChannelOptions {
  /** The bot token (TELEGRAM_BOT_TOKEN). Never logged: it is part of every Bot API URL. */
  token: string;
  /** NANOCLAW_TELEGRAM_API_BASE; default https://api.telegram.org. */
  apiBase?: string;
  logger: Logger;
  /** Records a button press; the channel has already checked the press came from the card's chat. */
  decide: TelegramDecide;
  /** Persists card locations so "Expired (host restarted)" can edit a card sent by a previous process. */
  kv?: TelegramKv;
  /** getUpdates long-poll seconds (default 25). */
  pollTimeoutSeconds?: number;
  /** First retry delay after a failed getUpdates (default 1 s). */
  pollBackoffMs?: number;
  now?: () => Date;
}

/** The Telegram approval channel: a card per approval with Approve / Reject buttons, edited when it settles. */
export interface TelegramChannel extends ApprovalChannel {
  /** Starts the getUpdates loop that receives button presses. */
  start(): void;
  /** Stops the loop and waits for card edits in flight (call after the service's close()); present() refuses afterwards. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Builds the Telegram channel; nothing runs until start(). */
export function createTelegramChannel(options: TelegramChannelOptions): TelegramChannel {
  const logger = options.logger.child({ channel: 'telegram' });
  logger.redactor.add(options.token); // belt and braces: no code path logs it, and the redactor would catch one that did
  const client: BotApiClient = createBotApiClient({ token: options.token, apiBase: options.apiBase });
  const cards = createCardRegistry(options.kv);
  const now = options.now ?? (() => new Date());
  let poller: UpdatePoller | null = null;
  let closed = false;
  // Final edits still on the wire; close() waits for them so a shutdown does not leave live buttons behind.
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };

  /** Edits a card to `text` without buttons; an identical text is not sent twice. Never rejects. */
  async function editCard(card: CardRef, text: string): Promise<boolean> {
    if (card.lastText === text) return true;
    const previous = card.lastText;
    card.lastText = text; // set before the call, so a concurrent settle of the same outcome skips
    try {
      await client.editMessageText({ chat_id: card.chatId, message_id: card.messageId, text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
      return true;
    } catch (err) {
      if (err instanceof TelegramApiError && /message is not modified/i.test(err.description)) return true;
      card.lastText = previous;
      logger.warn('Telegram card not updated', { approval: card.approvalId, error: errorMessage(err) });
      return false;
    }
  }

  const channel: TelegramChannel = {
    kind: 'telegram',

    reachable(approver: Approver): boolean {
      return poller !== null && !closed && approver.channel === 'telegram' && approver.address.trim() !== '';
    },

    async present(approval: Approval, approver: Approver): Promise<void> {
      if (poller === null || closed) {
        throw new NanoclawError('telegram_not_running', `Telegram card for approval ${approval.id} not sent: the Telegram channel is ${closed ? 'closed' : 'not started'}`, {
          hint: 'Restart the vault with TELEGRAM_BOT_TOKEN set',
        });
      }
      const approve = encodeCallbackData('approve', approval.id);
      const always = encodeCallbackData('always', approval.id);
      const reject = encodeCallbackData('deny', approval.id);
      if (approve === null || always === null || reject === null) {
        throw new NanoclawError('telegram_callback_too_long', `Telegram card for approval ${approval.id} not sent: its id does not fit in 64 bytes of callback_data`);
      }
      const text = renderCard(approval, { heading: outcomeLabel(approval), now: now() });
      // A new host (egress mode ask) can also be allowed always: it joins the agent's allowlist.
      const buttons =
        approval.kind === 'new_host'
          ? [{ text: '✅ Allow once', callback_data: approve }, { text: '📌 Allow always', callback_data: always }, { text: '❌ Deny', callback_data: reject }]
          : [{ text: '✅ Approve', callback_data: approve }, { text: '❌ Reject', callback_data: reject }];
      const keyboard = { inline_keyboard: [buttons] };
      try {
        const sent = await client.sendMessage({ chat_id: approver.address.trim(), text, parse_mode: 'HTML', reply_markup: keyboard, link_preview_options: { is_disabled: true } });
        cards.remember(approval, String(sent.chat.id), sent.message_id, text);
        logger.info('Telegram card sent', { approval: approval.id, approver: approver.name, chat: sent.chat.id, message: sent.message_id });
      } catch (err) {
        logger.warn('Telegram card not sent', { approval: approval.id, approver: approver.name, error: errorMessage(err) });
        throw err;
      }
    },

    async alert(alert: Alert, approver: Approver): Promise<void> {
      if (poller === null || closed) return;
      await track(client.sendMessage({ chat_id: approver.address.trim(), text: renderAlert(alert), parse_mode: 'HTML', link_preview_options: { is_disabled: true } }));
      logger.info('Telegram alert sent', { alert: alert.id, approver: approver.name });
    },

    async settle(approval: Approval): Promise<void> {
      const card = cards.find(approval.id);
      if (!card) {
        logger.debug('No Telegram card to settle', { approval: approval.id });
        return;
      }
      if (await track(editCard(card, renderCard(approval, { heading: outcomeLabel(approval) })))) cards.forget(approval.id);
    },

    start() {
      if (poller !== null || closed) return;
      logger.info('Starting Telegram approval channel');
      poller = startUpdatePoller({
        client,
        logger,
        timeoutSeconds: options.pollTimeoutSeconds ?? 25,
        backoffMs: options.pollBackoffMs,
        onUpdate: async (update) => {
          if (update.callback_query) await handleButtonPress({ query: update.callback_query, client, cards, decide: options.decide, logger, editCard });
          else if (update.message) await answerChatIdRequest(client, update.message);
        },
      });
    },

    async close() {
      closed = true;
      await poller?.stop();
      await Promise.allSettled([...inFlight]);
    },

    [Symbol.asyncDispose]() {
      return channel.close();
    },
  };
  return channel;
}
