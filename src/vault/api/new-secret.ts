import { randomBytes } from 'node:crypto';
import type { NewSecret } from '../store/types.js';
import type { CreateSecretBody } from './schemas.js';

/**
 * The store's record for a validated create body (API and dashboard). A honeytoken may come
 * without a value: it is never sent anywhere, and exists only because every secret has one.
 */
export function newSecret(body: CreateSecretBody): NewSecret {
  return { ...body, value: body.value ?? randomBytes(24).toString('base64url') };
}
