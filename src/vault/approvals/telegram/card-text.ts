import { cutText } from '../../../common/cut-text.js';
import type { Alert, Approval } from '../../model/approvals.js';
import { headerLines, unseenBodyNote } from '../body-note.js';

/** Telegram's limit on a message's text after entity parsing, in characters. */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** Escapes text for parse_mode HTML (Telegram knows only these three entities besides numeric ones). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The length Telegram counts: tags removed, each entity one character (UTF-16 units, the stricter count). */
export function visibleLength(html: string): number {
  return html.replace(/<[^>]*>/g, '').replace(/&(?:lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi, '_').length;
}

/** How a settled card reads: the outcome first, then the request it was about. */
export function outcomeLabel(approval: Pick<Approval, 'status' | 'reason'> & { kind?: Approval['kind'] }): string {
  switch (approval.status) {
    case 'approved':
      return '✅ Approved';
    case 'rejected':
      return '❌ Rejected';
    case 'expired':
      return /restart/i.test(approval.reason ?? '') ? 'Expired (host restarted)' : 'Expired (no response)';
    case 'cancelled':
      return 'Cancelled (client disconnected)';
    case 'pending':
      return approval.kind === 'new_host' ? '🌐 New host (the agent has not used it)' : '🔐 Credentials Request';
  }
}

function timeLeft(expiresAt: string, now: Date): string {
  const ms = Date.parse(expiresAt) - now.getTime();
  const clock = new Date(expiresAt).toISOString().slice(11, 19);
  if (!Number.isFinite(ms)) return expiresAt;
  if (ms <= 0) return `${clock} UTC (passed)`;
  const s = Math.round(ms / 1000);
  return `${clock} UTC (in ${s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`})`;
}

export interface CardOptions {
  /** The first line: "🔐 Credentials Request" while pending, the outcome once settled. */
  heading: string;
  /** Shows the expiry line (pending cards only). */
  now?: Date;
}

/**
 * The card as Telegram HTML: heading, agent, `METHOD host/path`, secret, expiry, headers, body
 * preview and what of the body goes unseen. The path and headers are capped, and the preview cut
 * so the whole text stays within TELEGRAM_TEXT_LIMIT; every cut says how many bytes it left off.
 */
export function renderCard(approval: Approval, options: CardOptions): string {
  const headers = cutText(headerLines(approval.headers).join('\n'), MAX_HEADERS_SHOWN, 'units');
  const note = unseenBodyNote(approval);
  const render = (preview: string) => {
    const lines = [
      `<b>${escapeHtml(options.heading)}</b>`,
      `Agent: <b>${escapeHtml(approval.agentIdentifier)}</b>`,
      `<code>${escapeHtml(`${approval.method} ${approval.host}${cutText(approval.path, MAX_PATH_SHOWN, 'units')}`)}</code>`,
      `Secret: ${escapeHtml(approval.secretName ?? '(none)')}`,
    ];
    if (options.now) lines.push(`Expires: ${timeLeft(approval.expiresAt, options.now)}`);
    if (headers !== '') lines.push(`Headers:\n<pre>${escapeHtml(headers)}</pre>`);
    lines.push(preview === '' ? 'Body: (empty)' : `Body:\n<pre>${escapeHtml(preview)}</pre>`);
    if (note) lines.push(escapeHtml(note));
    lines.push(`ID: <code>${escapeHtml(approval.id)}</code>`);
    return lines.join('\n');
  };
  const preview = approval.bodyPreview.trimEnd();
  const full = render(preview);
  const over = visibleLength(full) - TELEGRAM_TEXT_LIMIT;
  if (over <= 0) return full;
  return render(cutText(preview, Math.max(0, preview.length - over), 'units'));
}

/** An alert as Telegram HTML: what happened, the agent, `METHOD host/path`, the decoy's name (never a value). */
export function renderAlert(alert: Alert): string {
  return [
    '<b>🚨 Honeytoken used: request blocked</b>',
    `Agent: <b>${escapeHtml(alert.agentIdentifier)}</b>`,
    `<code>${escapeHtml(`${alert.method} ${alert.host}${cutText(alert.path, MAX_PATH_SHOWN, 'units')}`)}</code>`,
    `Decoy: ${escapeHtml(alert.secretName)}`,
    `Time: ${escapeHtml(alert.time)}`,
  ].join('\n');
}

// Keep the fixed part of a card far below the limit, so the preview always has room.
const MAX_PATH_SHOWN = 1000;
const MAX_HEADERS_SHOWN = 1200;
