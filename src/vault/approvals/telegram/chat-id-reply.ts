import type { BotApiClient } from './bot-api-client.js';
import type { TelegramMessage } from './bot-api-types.js';

/** The commands that ask the bot which chat this is: the id an approver's `--address` needs. */
const COMMAND = /^\/(start|chatid)(@\w+)?(\s|$)/;

/** The reply to /start or /chatid: the chat id and the command that makes this chat an approver. Pure. */
export function chatIdReply(message: TelegramMessage): string | null {
  if (!message.text || !COMMAND.test(message.text.trim())) return null;
  const id = message.chat.id;
  return [
    `This chat's id is ${id}.`,
    'To get approval cards here, run on the host:',
    `ncl approvers add --name <your name> --role owner --channel telegram --address ${id}`,
  ].join('\n');
}

/** Answers /start and /chatid; ignores every other message (the bot is not a chat partner). */
export async function answerChatIdRequest(client: BotApiClient, message: TelegramMessage): Promise<void> {
  const text = chatIdReply(message);
  if (text) await client.sendMessage({ chat_id: message.chat.id, text });
}
