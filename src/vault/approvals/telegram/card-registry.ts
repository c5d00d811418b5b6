import type { Approval } from '../../model/approvals.js';

/** Small key/value persistence (the vault's settings rows) so a card can still be edited after a restart. */
export interface TelegramKv {
  get(key: string): string | null | undefined;
  set(key: string, value: string): void;
}

/** Adapts the store's settings rows (`store.getSetting` / `store.setSetting`). */
export function settingsKv(store: { getSetting(key: string): string | null; setSetting(key: string, value: string): void }): TelegramKv {
  return { get: (key) => store.getSetting(key), set: (key, value) => store.setSetting(key, value) };
}

/** Where one card lives. `approval` is known only to the process that sent it. */
export interface CardRef {
  approvalId: string;
  /** The numeric chat id Telegram reported for the sent message. */
  chatId: string;
  messageId: number;
  approval: Approval | null;
  /** The text last sent or being sent, so a second identical edit is skipped. */
  lastText: string | null;
}

export interface CardRegistry {
  remember(approval: Approval, chatId: string, messageId: number, text: string): CardRef;
  /** From memory, else from the kv (a card sent before a restart). */
  find(approvalId: string): CardRef | null;
  forget(approvalId: string): void;
}

/**
 * One settings row holds the cards not yet settled, as JSON `{approvalId: "chatId:messageId"}`:
 * the store has no delete, and one row per approval would pile up forever.
 */
export const CARDS_KEY = 'telegram:cards';
const MAX_STORED_CARDS = 1000;

/** Parses `<chatId>:<messageId>`; the chat id may itself be negative (groups), so split at the last colon. */
export function parseCardLocation(value: unknown): { chatId: string; messageId: number } | null {
  const at = typeof value === 'string' ? value.lastIndexOf(':') : -1;
  if (typeof value !== 'string' || at <= 0) return null;
  const messageId = Number(value.slice(at + 1));
  return Number.isSafeInteger(messageId) && messageId > 0 ? { chatId: value.slice(0, at), messageId } : null;
}

/** Remembers which message shows which approval, in memory and (when given) in the kv. */
export function createCardRegistry(kv?: TelegramKv): CardRegistry {
  const cards = new Map<string, CardRef>();
  const load = (): Record<string, unknown> => {
    try {
      const parsed: unknown = JSON.parse(kv?.get(CARDS_KEY) || '{}');
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {}; // a damaged row only costs the "host restarted" edits
    }
  };
  const update = (change: (stored: Record<string, unknown>) => void) => {
    if (!kv) return;
    const stored = load();
    change(stored);
    // Cards whose final edit failed stay listed; keep the newest so the row cannot grow without bound.
    for (const old of Object.keys(stored).slice(0, -MAX_STORED_CARDS)) delete stored[old];
    kv.set(CARDS_KEY, JSON.stringify(stored));
  };
  return {
    remember(approval, chatId, messageId, text) {
      const ref: CardRef = { approvalId: approval.id, chatId, messageId, approval, lastText: text };
      cards.set(approval.id, ref);
      update((stored) => (stored[approval.id] = `${chatId}:${messageId}`));
      return ref;
    },
    find(approvalId) {
      const known = cards.get(approvalId);
      if (known) return known;
      const location = kv ? parseCardLocation(load()[approvalId]) : null;
      if (!location) return null;
      const ref: CardRef = { approvalId, ...location, approval: null, lastText: null };
      cards.set(approvalId, ref);
      return ref;
    },
    forget(approvalId) {
      cards.delete(approvalId);
      if (kv && approvalId in load()) update((stored) => delete stored[approvalId]);
    },
  };
}
