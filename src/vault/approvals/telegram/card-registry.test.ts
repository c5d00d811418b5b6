import { describe, expect, it } from 'vitest';
import type { Approval } from '../../model/approvals.js';
import { CARDS_KEY, createCardRegistry, parseCardLocation, type TelegramKv } from './card-registry.js';

const mapKv = (): TelegramKv & { map: Map<string, string> } => {
  const map = new Map<string, string>();
  return { map, get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, v) };
};
const approval = (id: string) => ({ id }) as Approval;

describe('card registry', () => {
  it('finds a card sent by a previous process through the kv, without its approval', () => {
    const kv = mapKv();
    createCardRegistry(kv).remember(approval('apr_1'), '-1001234', 77, 'text');
    const after = createCardRegistry(kv).find('apr_1');
    expect(after).toEqual({ approvalId: 'apr_1', chatId: '-1001234', messageId: 77, approval: null, lastText: null });
    expect(createCardRegistry(kv).find('apr_2')).toBeNull();
  });

  it('drops a settled card from memory and from the stored row', () => {
    const kv = mapKv();
    const cards = createCardRegistry(kv);
    cards.remember(approval('apr_1'), '5', 1, 't');
    cards.remember(approval('apr_2'), '5', 2, 't');
    cards.forget('apr_1');
    expect(cards.find('apr_1')).toBeNull();
    expect(JSON.parse(kv.map.get(CARDS_KEY) ?? '')).toEqual({ apr_2: '5:2' });
  });

  it('keeps the stored row bounded and survives a damaged one', () => {
    const kv = mapKv();
    const cards = createCardRegistry(kv);
    for (let i = 0; i < 1005; i += 1) cards.remember(approval(`apr_${i}`), '5', i + 1, 't');
    const stored = JSON.parse(kv.map.get(CARDS_KEY) ?? '') as Record<string, string>;
    expect(Object.keys(stored)).toHaveLength(1000);
    expect(stored.apr_1004).toBe('5:1005');
    expect(stored.apr_0).toBeUndefined();
    kv.set(CARDS_KEY, '{not json');
    expect(createCardRegistry(kv).find('apr_1004')).toBeNull();
  });

  it('parses chat:message locations, negative chats included', () => {
    expect(parseCardLocation('-100123:45')).toEqual({ chatId: '-100123', messageId: 45 });
    for (const bad of [null, '', ':4', '12:', '12:x', '12:-1', 42]) expect(parseCardLocation(bad)).toBeNull();
  });
});
