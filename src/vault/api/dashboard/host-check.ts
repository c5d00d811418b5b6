/**
 * Whether a Host header names this dashboard. Pages answer only to loopback names (and the
 * configured public URL's host), so a DNS-rebinding page on another name cannot read them.
 */
export function hostAllowed(hostHeader: string | undefined, extraHosts: readonly string[] = []): boolean {
  if (!hostHeader) return false;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec(hostHeader.trim());
  const name = m?.[1]?.toLowerCase().replace(/\.$/, '');
  if (!name) return false;
  if (name === 'localhost' || name.endsWith('.localhost') || name === '[::1]') return true;
  if (/^127(\.\d{1,3}){3}$/.test(name)) return true;
  return extraHosts.some((h) => h.toLowerCase() === name);
}

/** The host name of a URL (IPv6 in brackets), or null. */
export function hostOfUrl(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}
