import type { Approval } from '../model/approvals.js';

/**
 * What every card (dashboard, Telegram, CLI) says about the part of a body the approver is not
 * shown, so nobody approves bytes they could not see without being told. Null when they saw it
 * all. Kept apart from the preview text, so that no cut of the preview can drop it.
 */
export function unseenBodyNote(a: Pick<Approval, 'bodySeen' | 'bodyUnseen'>): string | null {
  if (a.bodyUnseen === 0) return null;
  const seen = `${a.bodySeen.toLocaleString('en-US')} bytes`;
  if (a.bodyUnseen === null) return `⚠ Only the first ${seen} of the body are shown; more follows (length unknown) and is sent unseen.`;
  return `⚠ Only the first ${seen} of the body are shown; ${a.bodyUnseen.toLocaleString('en-US')} more bytes are sent unseen.`;
}

/** The headers as `name: value` lines, in the order the agent sent them. */
export function headerLines(headers: Readonly<Record<string, string>>): string[] {
  return Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
}
