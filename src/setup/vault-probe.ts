import { VaultClient } from '../client/vault-client.js';
import { NanoclawError, errorMessage, isNanoclawError } from '../common/errors.js';

export type ProbeResult = 'working' | 'unauthorized' | 'down';

/** Whether a vault answers at `url` and accepts `apiKey`; never throws. */
export async function probeVault(input: { url: string; apiKey: string | undefined; timeoutMs?: number }): Promise<ProbeResult> {
  const client = new VaultClient({ url: input.url, ...(input.apiKey ? { apiKey: input.apiKey } : {}), timeoutMs: input.timeoutMs ?? 3_000 });
  try {
    await client.health();
  } catch {
    return 'down';
  }
  if (!input.apiKey) return 'unauthorized';
  try {
    await client.listSecrets();
    return 'working';
  } catch {
    return 'unauthorized';
  }
}

/** The first of `urls` where a vault answers and accepts `apiKey`; null when none does. */
export async function findWorkingVault(urls: readonly string[], apiKey: string | undefined): Promise<string | null> {
  for (const url of urls) {
    if ((await probeVault({ url, apiKey })) === 'working') return url;
  }
  return null;
}

/**
 * A client of the remote vault at `host`, checked in two stages so the error says which
 * failed: `GET /api/health` within `timeoutMs` (reachable?), then an authenticated call (token accepted?).
 */
export async function connectRemoteVault(input: { host: string; token: string; timeoutMs?: number }): Promise<VaultClient> {
  const timeoutMs = input.timeoutMs ?? 10_000;
  const client = new VaultClient({ url: input.host, apiKey: input.token, timeoutMs });
  const problem = await healthProblem(client.url, timeoutMs);
  if (problem !== null) {
    throw new NanoclawError('remote_vault_unreachable', `The remote vault does not answer GET ${client.url}/api/health (${problem})`, {
      hint: `Check NANOCLAW_ONECLI_API_HOST (scheme, host and port) and that this machine reaches it (curl ${client.url}/api/health), then run ncl setup again`,
    });
  }
  try {
    await client.listSecrets();
  } catch (err) {
    const status = isNanoclawError(err) ? (err.details?.status as number | undefined) : undefined;
    if (status === 401 || status === 403) {
      throw new NanoclawError('remote_token_rejected', `The remote vault at ${client.url} rejected NANOCLAW_ONECLI_API_TOKEN (HTTP ${status})`, {
        hint: 'Copy a valid API token (it starts with oc_) from the vault’s owner into NANOCLAW_ONECLI_API_TOKEN, then run ncl setup again',
      });
    }
    throw new NanoclawError('remote_vault_failed', `The remote vault at ${client.url} answers health but not an authenticated call (${errorMessage(err)})`, {
      hint: 'Check that NANOCLAW_ONECLI_API_HOST points at a nanoclaw or OneCLI vault API, then run ncl setup again',
    });
  }
  return client;
}

/** Why `GET <url>/api/health` failed within `timeoutMs`, or null when it answered 200. */
async function healthProblem(url: string, timeoutMs: number): Promise<string | null> {
  try {
    const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok ? null : `HTTP ${res.status}`;
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${Math.round(timeoutMs / 1000)}s`;
    return errorMessage((err as { cause?: unknown }).cause ?? err);
  }
}
