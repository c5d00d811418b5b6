/** The few Bot API shapes the approval channel uses (https://core.telegram.org/bots/api), trimmed to the fields it reads. */

export interface TelegramUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}

export interface TelegramChat {
  id: number;
  type: string;
}

export interface TelegramMessage {
  message_id: number;
  chat: TelegramChat;
  date: number;
  text?: string;
}

export interface InlineKeyboardButton {
  text: string;
  callback_data: string;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

export interface CallbackQuery {
  id: string;
  from: TelegramUser;
  /** Absent when the message is too old for Telegram to send it along. */
  message?: TelegramMessage;
  chat_instance: string;
  data?: string;
}

export interface TelegramUpdate {
  update_id: number;
  callback_query?: CallbackQuery;
  /** A message someone sent the bot (only /start and /chatid are answered). */
  message?: TelegramMessage;
}

/** Chat ids are integers on the wire; approvers store them as strings ("123", "-100…"), or "@channel". */
export type ChatId = string | number;

export interface SendMessageParams {
  chat_id: ChatId;
  text: string;
  parse_mode?: 'HTML';
  reply_markup?: InlineKeyboardMarkup;
  link_preview_options?: { is_disabled: boolean };
}

export interface EditMessageTextParams {
  chat_id: ChatId;
  message_id: number;
  text: string;
  parse_mode?: 'HTML';
  /** Omitted: the inline keyboard is removed. */
  reply_markup?: InlineKeyboardMarkup;
  link_preview_options?: { is_disabled: boolean };
}

export interface AnswerCallbackQueryParams {
  callback_query_id: string;
  text?: string;
  show_alert?: boolean;
}

export interface GetUpdatesParams {
  offset?: number;
  limit?: number;
  /** Long-poll seconds. */
  timeout?: number;
  allowed_updates?: string[];
}
