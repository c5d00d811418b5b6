/** What an inline button carries back: `a:<approvalId>` or `r:<approvalId>`, within Telegram's 64-byte callback_data limit. */

export const MAX_CALLBACK_DATA_BYTES = 64;
/** The longest approval id a button can carry (64 bytes less the two-byte prefix). */
export const MAX_APPROVAL_ID_BYTES = MAX_CALLBACK_DATA_BYTES - 2;

export type ButtonDecision = 'approve' | 'deny';

export interface ButtonPress {
  decision: ButtonDecision;
  approvalId: string;
}

/** The callback_data of a button; null when the id is too long to fit (the card cannot be sent). */
export function encodeCallbackData(decision: ButtonDecision, approvalId: string): string | null {
  const data = `${decision === 'approve' ? 'a' : 'r'}:${approvalId}`;
  return approvalId !== '' && Buffer.byteLength(data, 'utf8') <= MAX_CALLBACK_DATA_BYTES ? data : null;
}

/** Parses callback_data from a button press; null for anything this channel did not send. */
export function decodeCallbackData(data: string | undefined): ButtonPress | null {
  const m = /^([ar]):(.+)$/s.exec(data ?? '');
  if (!m?.[1] || !m[2] || Buffer.byteLength(data ?? '', 'utf8') > MAX_CALLBACK_DATA_BYTES) return null;
  return { decision: m[1] === 'a' ? 'approve' : 'deny', approvalId: m[2] };
}
