import { describe, expect, it } from 'vitest';
import { chatIdReply } from './chat-id-reply.js';

const msg = (text: string | undefined, id = -100_123) => ({ message_id: 1, chat: { id, type: 'group' }, date: 0, ...(text === undefined ? {} : { text }) });

describe('chatIdReply', () => {
  it('answers /start and /chatid (also addressed to the bot by name) with the chat id', () => {
    for (const text of ['/start', '/chatid', '/start@nanoclaw_bot', ' /chatid please']) {
      expect(chatIdReply(msg(text))).toContain("This chat's id is -100123.");
    }
    expect(chatIdReply(msg('/start'))).toContain('--address -100123');
  });

  it('ignores everything else', () => {
    for (const text of [undefined, '', 'hello', 'start', '/started', '/approve 123']) expect(chatIdReply(msg(text))).toBeNull();
  });
});
