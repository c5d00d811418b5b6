import { UsageError } from '../common/errors.js';
import type { CreateSecretBody } from '../vault/api/schemas.js';

export type TokenKind = 'api-key' | 'oauth';

export const ANTHROPIC_HOST = 'api.anthropic.com';
export const ANTHROPIC_SECRET_NAME = 'Anthropic';
const PREFIX: Record<TokenKind, string> = { 'api-key': 'sk-ant-api', oauth: 'sk-ant-oat' };
const DESCRIBE: Record<TokenKind, string> = { 'api-key': 'an Anthropic API key (sk-ant-api…)', oauth: 'a Claude OAuth token (sk-ant-oat…)' };
const TOKEN_CHARS = /^[A-Za-z0-9_-]+$/;

/** Which kind of Anthropic credential `value` is, by its prefix; null for anything else. Pure. */
export function tokenKind(value: string): TokenKind | null {
  if (!TOKEN_CHARS.test(value)) return null;
  if (value.startsWith(PREFIX['api-key'])) return 'api-key';
  if (value.startsWith(PREFIX.oauth)) return 'oauth';
  return null;
}

/**
 * Checks a pasted credential against the method chosen (`expected`, or either kind when
 * undefined); the error never repeats the value. Pure.
 */
export function checkToken(value: string, expected: TokenKind | undefined): TokenKind {
  const kind = tokenKind(value);
  const wanted = expected ? DESCRIBE[expected] : `${DESCRIBE['api-key']} or ${DESCRIBE.oauth}`;
  if (kind === null || (expected !== undefined && kind !== expected)) {
    const got = kind ? DESCRIBE[kind] : value.length === 0 ? 'nothing' : `${value.length} characters that are neither`;
    throw new UsageError(`Expected ${wanted}, got ${got}`, {
      hint: expected === 'oauth' ? 'Make one with: claude setup-token' : 'Create a key at https://console.anthropic.com/settings/keys',
    });
  }
  return kind;
}

/** The vault secret for an Anthropic key or OAuth token: the gateway picks the header by prefix. Pure. */
export function anthropicSecret(value: string): CreateSecretBody {
  return { name: ANTHROPIC_SECRET_NAME, type: 'anthropic', value, hostPattern: ANTHROPIC_HOST };
}

/**
 * A custom Anthropic-compatible endpoint (NANOCLAW_ANTHROPIC_BASE_URL): its token becomes a
 * Bearer secret for that URL's host only. Pure.
 */
export function customEndpointSecret(input: { baseUrl: string; token: string }): CreateSecretBody {
  const host = new URL(input.baseUrl).hostname;
  return {
    name: `Anthropic endpoint ${host}`,
    type: 'generic',
    value: input.token,
    hostPattern: host,
    injectionConfig: { headerName: 'Authorization', valueFormat: 'Bearer {value}' },
  };
}

// ESC [ … final byte, and ESC ] … BEL/ST (titles, hyperlinks): terminal noise around the token.
const ANSI = /\u001b\[[0-?]*[ -\/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** The last `sk-ant-oat…` token in the output of `claude setup-token`; null when there is none. Pure. */
export function extractOauthToken(output: string): string | null {
  const plain = output.replace(ANSI, '').replace(/\r/g, '');
  const found = plain.match(/sk-ant-oat[A-Za-z0-9_-]{8,}/g);
  return found?.at(-1) ?? null;
}
