import type { IncomingHttpHeaders } from 'node:http';
import { carriesPlaceholder } from '../inject/placeholder.js';

const AUTH_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key'] as const;

/**
 * True when the agent authenticated itself (a real credential, not the placeholder), as under
 * the native-credential opt-out. Then an upstream 401/403 is about that credential and is passed
 * through as it came, rather than turned into `app_not_connected`.
 */
export function carriesOwnCredential(headers: IncomingHttpHeaders): boolean {
  return AUTH_HEADERS.some((name) => {
    const value = headers[name];
    const text = Array.isArray(value) ? value.join(',') : value;
    return typeof text === 'string' && text.trim() !== '' && !carriesPlaceholder(text);
  });
}
