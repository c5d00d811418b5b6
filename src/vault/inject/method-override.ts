/**
 * Method-override headers: many frameworks (Rails, Express's method-override, Google APIs, ASP.NET)
 * route a POST carrying one of these as the method it names, so a policy rule for DELETE must see
 * it. The fast lane refuses requests carrying them (the TypeScript path, which reads headers, takes them).
 */
export const METHOD_OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;

/** Request headers as Node gives them (lower-case names). */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Every method the request may be routed as: its own, then each one an override header names. Upper case. */
export function requestMethods(method: string, headers: RequestHeaders | undefined): string[] {
  const methods = new Set([method.toUpperCase()]);
  if (!headers) return [...methods];
  for (const name of METHOD_OVERRIDE_HEADERS) {
    const value = headers[name];
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      for (const token of one.split(',')) {
        const t = token.trim().toUpperCase();
        if (t !== '') methods.add(t);
      }
    }
  }
  return [...methods];
}
