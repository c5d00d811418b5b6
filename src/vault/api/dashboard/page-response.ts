import type { ServerResponse } from 'node:http';
import type { SafeHtml } from './html.js';

/** No inline script or style anywhere: app.js and app.css are the only code the pages load. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Headers every dashboard response carries. */
export function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    // Not no-referrer: under it browsers send `Origin: null` with form POSTs, which would defeat the
    // origin check. same-origin still sends nothing to other sites.
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
  };
}

export interface ResponseExtras {
  cookies?: string[];
  headers?: Record<string, string>;
}

function head(res: ServerResponse, status: number, type: string, length: number, extras: ResponseExtras): void {
  res.writeHead(status, {
    ...securityHeaders(),
    ...extras.headers,
    'content-type': type,
    'content-length': length,
    ...(extras.cookies?.length ? { 'set-cookie': extras.cookies } : {}),
  });
}

export function sendHtml(res: ServerResponse, status: number, page: SafeHtml, extras: ResponseExtras = {}): void {
  const body = `<!doctype html>\n${page.value}`;
  head(res, status, 'text/html; charset=utf-8', Buffer.byteLength(body), extras);
  res.end(body);
}

export function sendBody(res: ServerResponse, status: number, body: string, type: string, extras: ResponseExtras = {}): void {
  head(res, status, type, Buffer.byteLength(body), extras);
  res.end(body);
}

/** 303 See Other: after a POST the browser GETs `location` (post/redirect/get). */
export function redirect(res: ServerResponse, location: string, extras: ResponseExtras = {}): void {
  head(res, 303, 'text/plain; charset=utf-8', 0, { ...extras, headers: { ...extras.headers, location } });
  res.end();
}

/** A path inside the dashboard to return to after sign-in; anything else becomes the start page. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/dashboard') || next.startsWith('//') || /[\\\r\n]/.test(next)) return '/dashboard';
  return next;
}
