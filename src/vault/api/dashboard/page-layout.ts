import { html, type SafeHtml } from './html.js';
import type { DashboardSession } from './sessions.js';

export type Section = 'approvals' | 'secrets' | 'agents' | 'audit' | 'connect';

const NAV: { id: Section; label: string; href: string }[] = [
  { id: 'approvals', label: 'Approvals', href: '/dashboard/approvals' },
  { id: 'secrets', label: 'Secrets', href: '/dashboard/secrets' },
  { id: 'agents', label: 'Agents', href: '/dashboard/agents' },
  { id: 'audit', label: 'Audit log', href: '/dashboard/audit' },
  { id: 'connect', label: 'Connect', href: '/dashboard/connect' },
];

/** The hidden field every form carries; checked on POST. */
export function csrfField(session: DashboardSession): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${session.csrf}">`;
}

export interface LayoutOptions {
  title: string;
  section: Section;
  session: DashboardSession;
  /** Pending approvals right now (shown next to the nav link, kept current by app.js); null without approvals. */
  pendingCount: number | null;
  body: SafeHtml;
}

/** The page frame: head (external CSS/JS only), navigation, the one-shot flash message, sign-out. */
export function layout(o: LayoutOptions): SafeHtml {
  const flash = o.session.flash;
  o.session.flash = null;
  const nav = NAV.map(
    (n) => html`<a href="${n.href}"${o.section === n.id ? html` aria-current="page"` : ''}>${n.label}${
      n.id === 'approvals' && o.pendingCount !== null
        ? html` <span id="pending-count" class="badge" data-count="${o.pendingCount}">${o.pendingCount}</span>`
        : ''
    }</a>`,
  );
  return html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · nanoclaw vault</title>
<link rel="stylesheet" href="/dashboard/app.css"><script src="/dashboard/app.js" defer></script></head>
<body data-section="${o.section}" data-live="${o.pendingCount === null ? 'off' : 'connecting'}">
<header><strong>nanoclaw vault</strong><nav>${nav}</nav>
<form method="post" action="/dashboard/logout" class="inline">${csrfField(o.session)}<button type="submit">Sign out</button></form></header>
<main>${flash ? html`<p class="flash ${flash.kind}" role="status">${flash.text}</p>` : ''}<div id="alert-live" role="alert"></div><h1>${o.title}</h1>
${o.body}</main></body></html>`;
}
