/** How each part of the vault is doing, for `GET /api/health`. */
export interface HealthParts {
  api: 'ok';
  /** `off`: this vault runs without a gateway by choice (`--no-gateway`). */
  gateway: 'ok' | 'starting' | 'stopped' | 'off';
  store: 'ok' | 'error';
}

interface Unavailable {
  /** The API's error shape, so a client says why the vault is unavailable. */
  error: 'vault_unavailable';
  code: 'vault_unavailable';
  message: string;
  hint: string;
}

export interface HealthReport {
  httpStatus: 200 | 503;
  body: { status: 'ok' | 'unavailable'; service: string; version: string; parts: HealthParts } & Partial<Unavailable>;
}

/** What is not serving, in words; empty when every part serves. Pure. */
function problems(parts: HealthParts): string[] {
  const out: string[] = [];
  if (parts.gateway === 'starting') out.push('its gateway is still starting');
  if (parts.gateway === 'stopped') out.push('its gateway has stopped');
  if (parts.store === 'error') out.push('its store cannot be read');
  return out;
}

/**
 * The answer of `GET /api/health`. Pure. OneCLI's shape (`status: "ok"`) when every part serves;
 * 503 with the API's error fields otherwise, so a container healthcheck (which only looks at the
 * status code) fails while the gateway is not serving or the store cannot be read.
 */
export function healthReport(parts: HealthParts, version: string): HealthReport {
  const base = { service: 'nanoclaw-vault', version, parts };
  const wrong = problems(parts);
  if (wrong.length === 0) return { httpStatus: 200, body: { status: 'ok', ...base } };
  return {
    httpStatus: 503,
    body: {
      status: 'unavailable',
      ...base,
      error: 'vault_unavailable',
      code: 'vault_unavailable',
      message: `The vault is not serving: ${wrong.join(', ')}`,
      hint: 'Wait a few seconds if it is starting; otherwise read its log and restart it (ncl vault up, or ncl vault serve)',
    },
  };
}
