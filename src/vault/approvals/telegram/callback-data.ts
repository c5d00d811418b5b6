/**
 * What an inline button carries back: `a:<approvalId>` (approve), `A:<approvalId>` (allow a new
 * host always) or `r:<approvalId>` (reject), within Telegram's 64-byte callback_data limit.
 */

export const MAX_CALLBACK_DATA_BYTES = 64;
/** The longest approval id a button can carry (64 bytes less the two-byte prefix). */
export const MAX_APPROVAL_ID_BYTES = MAX_CALLBACK_DATA_BYTES - 2;

export type ButtonDecision = 'approve' | 'always' | 'deny';
const PREFIX: Record<ButtonDecision, string> = { approve: 'a', always: 'A', deny: 'r' };

export interface ButtonPress {
  decision: ButtonDecision;
  approvalId: string;
}

/** The callback_data of a button; null when the id is too long to fit (the card cannot be sent). */
export function encodeCallbackData(decision: ButtonDecision, approvalId: string): string | null {
  const data = `${PREFIX[decision]}:${approvalId}`;
  return approvalId !== '' && Buffer.byteLength(data, 'utf8') <= MAX_CALLBACK_DATA_BYTES ? data : null;
}

/** Parses callback_data from a button press; null for anything this channel did not send. */
export function decodeCallbackData(data: string | undefined): ButtonPress | null {
  const m = /^([aAr]):(.+)$/s.exec(data ?? '');
  if (!m?.[1] || !m[2] || Buffer.byteLength(data ?? '', 'utf8') > MAX_CALLBACK_DATA_BYTES) return null;
  const decision = (Object.keys(PREFIX) as ButtonDecision[]).find((d) => PREFIX[d] === m[1])!;
  return { decision, approvalId: m[2] };
}
