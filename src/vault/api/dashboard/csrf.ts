import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two tokens (hashed first, so lengths leak nothing either). */
export function tokensEqual(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || presented === '' || expected === '') return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * Whether a state-changing request comes from the dashboard's own pages: when the browser sends
 * Origin (or, failing that, Referer) it must name this host. Absent both, the CSRF token decides alone.
 */
export function sameOrigin(headers: { origin?: string | undefined; referer?: string | undefined; host?: string | undefined }): boolean {
  const host = headers.host?.toLowerCase();
  if (!host) return false;
  const sent = headers.origin ?? headers.referer;
  if (sent === undefined) return true;
  const origin = originOf(sent);
  return origin !== null && new URL(origin).host === host;
}
