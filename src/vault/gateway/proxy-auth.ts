/** The realm agents see in `Proxy-Authenticate`; clients only echo it back. */
export const PROXY_REALM = 'nanoclaw';

/**
 * The agent token from a `Proxy-Authorization: Basic base64("x:<token>")` header.
 * The user name is ignored (OneCLI uses `x`); returns null for anything else.
 */
export function tokenFromProxyAuthorization(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const token = decoded.slice(colon + 1);
  return token.length > 0 && token.length <= 512 ? token : null;
}
