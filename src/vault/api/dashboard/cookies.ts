/** Cookie parsing and the dashboard's Set-Cookie values. */

export const SESSION_COOKIE = 'ncl_dashboard';
export const LOGIN_COOKIE = 'ncl_dashboard_login';

/** Name → value of a Cookie header; the first occurrence of a name wins. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** HttpOnly, SameSite=Strict, scoped to /dashboard; Secure only makes sense when served over https. */
export function setCookie(name: string, value: string, maxAgeSeconds: number, secure = false): string {
  return `${name}=${value}; HttpOnly; SameSite=Strict; Path=/dashboard; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function clearCookie(name: string): string {
  return setCookie(name, '', 0);
}
