import { randomBytes } from 'node:crypto';
import type { VaultStore } from '../../src/vault/store/types.js';

export const uniqueValue = (tag: string) => `${tag}-${randomBytes(16).toString('hex')}`;

/**
 * Puts values into `store` in every way one gets sealed (create, rotate with a rename, the CA key)
 * and returns them, for tests that then look for them in the database behind the store's back.
 * One secret is named "Renamed secret": a search that finds that name in clear is shown to work.
 */
export function writeSealedSamples(store: VaultStore): { values: string[]; caKey: string } {
  const values = [uniqueValue('value-one'), uniqueValue('value-two'), uniqueValue('rotated')];
  const caKey = uniqueValue('ca-private-key');
  const s1 = store.secrets.create({ name: 'First secret name', type: 'api_key', value: values[0]!, hostPattern: 'one.test' });
  store.secrets.create({ name: 'Second', type: 'api_key', value: values[1]!, hostPattern: 'two.test' });
  store.secrets.update(s1.id, { name: 'Renamed secret', value: values[2]! });
  store.setCa({ certPem: 'cert', keyPem: caKey });
  return { values, caKey };
}
