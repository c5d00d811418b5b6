/** How each part of the vault is doing, for `GET /api/health`. */
export interface HealthParts {
  api: 'ok';
  /** `off`: this vault runs without a gateway by choice (`--no-gateway`). */
  gateway: 'ok' | 'starting' | 'stopped' | 'off';
  store: 'ok' | 'error';
}

export interface HealthReport {
  httpStatus: 200 | 503;
  body: { status: 'ok' | 'unavailable'; service: string; version: string; parts: HealthParts };
}

/**
 * The answer of `GET /api/health`. Pure. OneCLI's shape (`status: "ok"`) when every part serves;
 * 503 otherwise, so a container healthcheck (which only looks at the status code) fails while the
 * gateway is not serving or the store cannot be read.
 */
export function healthReport(parts: HealthParts, version: string): HealthReport {
  const ok = (parts.gateway === 'ok' || parts.gateway === 'off') && parts.store === 'ok';
  return { httpStatus: ok ? 200 : 503, body: { status: ok ? 'ok' : 'unavailable', service: 'nanoclaw-vault', version, parts } };
}
