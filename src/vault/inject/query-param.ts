/** Query-string editing that leaves every other parameter byte for byte as the agent sent it. */

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * Sets `name` to `value` in the path's query (both URL-encoded here): the first occurrence is
 * replaced in place, later duplicates are dropped (so a server reading either gets ours), and the
 * parameter is appended when absent. A fragment, if any, is kept.
 */
export function setQueryParam(path: string, name: string, value: string): string {
  const hashAt = path.indexOf('#');
  const fragment = hashAt < 0 ? '' : path.slice(hashAt);
  const beforeHash = hashAt < 0 ? path : path.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt < 0 ? '' : beforeHash.slice(queryAt + 1);
  const pair = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  const out: string[] = [];
  let placed = false;
  for (const part of query === '' ? [] : query.split('&')) {
    const eq = part.indexOf('=');
    if (decodeName(eq < 0 ? part : part.slice(0, eq)) !== name) {
      out.push(part);
    } else if (!placed) {
      out.push(pair);
      placed = true;
    }
  }
  if (!placed) out.push(pair);
  return `${base}?${out.join('&')}${fragment}`;
}
