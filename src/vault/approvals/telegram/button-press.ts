import { errorMessage } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { BotApiClient } from './bot-api-client.js';
import type { CallbackQuery } from './bot-api-types.js';
import { decodeCallbackData, type ButtonDecision } from './callback-data.js';
import type { CardRef, CardRegistry } from './card-registry.js';
import { outcomeLabel, renderCard } from './card-text.js';

export type TelegramDecideResult = 'ok' | 'expired' | 'already_decided' | 'not_found';
/** Records a decision made with a Telegram button; `by` names the Telegram user ("telegram:@alice"). */
export type TelegramDecide = (approvalId: string, decision: ButtonDecision, by: string) => TelegramDecideResult;

export interface ButtonPressContext {
  query: CallbackQuery;
  client: BotApiClient;
  cards: CardRegistry;
  decide: TelegramDecide;
  logger: Logger;
  editCard(card: CardRef, text: string): Promise<boolean>;
}

const ANSWERS: Record<Exclude<TelegramDecideResult, 'ok'>, string> = {
  expired: 'This request has expired; nothing was decided.',
  already_decided: 'This request was already decided.',
  not_found: 'This request is unknown to the vault.',
};

/**
 * Handles one button press: only a press on the card's own message in the card's own chat decides;
 * anything else is answered with an alert and decides nothing. Always answers the callback query,
 * so the user's client stops its spinner.
 */
export async function handleButtonPress(ctx: ButtonPressContext): Promise<void> {
  const { query, logger } = ctx;
  const answer = async (text: string, alert = false) => {
    try {
      await ctx.client.answerCallbackQuery({ callback_query_id: query.id, text, show_alert: alert });
    } catch (err) {
      logger.warn('Telegram callback answer failed', { error: errorMessage(err) });
    }
  };
  const press = decodeCallbackData(query.data);
  const card = press ? ctx.cards.find(press.approvalId) : null;
  const chat = query.message?.chat.id;
  if (!press || !card || String(chat) !== card.chatId || query.message?.message_id !== card.messageId) {
    logger.warn('Telegram button press refused: not a card this chat may answer', { approval: press?.approvalId, chat, user: query.from.id });
    await answer('Not allowed: this chat cannot decide this request.', true);
    return;
  }
  const by = query.from.username ? `telegram:@${query.from.username}` : `telegram:${query.from.id}`;
  let result: TelegramDecideResult;
  try {
    result = ctx.decide(press.approvalId, press.decision, by);
  } catch (err) {
    logger.error('Telegram decision not recorded', { approval: press.approvalId, error: errorMessage(err) });
    await answer('The vault could not record the decision; try again or use `ncl approvals`.', true);
    return;
  }
  logger.info('Telegram button pressed', { approval: press.approvalId, decision: press.decision, by, result });
  if (result !== 'ok') {
    await answer(ANSWERS[result], true);
    return;
  }
  await answer(press.decision === 'deny' ? 'Rejected' : press.decision === 'always' ? 'Allowed always' : 'Approved');
  if (card.approval) {
    const settled = { ...card.approval, status: press.decision === 'deny' ? ('rejected' as const) : ('approved' as const), reason: null };
    await ctx.editCard(card, renderCard(settled, { heading: outcomeLabel(settled) }));
  }
}
