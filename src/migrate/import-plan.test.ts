import { describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../../test/support/seeded-random.js';
import { planImport, serviceFor } from './import-plan.js';
import { parseSecretToolOutput } from './import-sources.js';
import { KNOWN_SERVICES } from '../config/known-services.js';

describe('planImport', () => {
  it('recognises known services by key, by path and by service name', () => {
    expect(serviceFor(['OPENAI_API_KEY'])?.service).toBe('OpenAI');
    expect(serviceFor(['work/github/GH_TOKEN'])?.service).toBe('GitHub');
    expect(serviceFor(['github/token'])?.service).toBe('GitHub');
    expect(serviceFor(['Personal', 'anthropic'])?.service).toBe('Anthropic');
    expect(serviceFor(['bank/pin'])).toBeUndefined();
  });

  it('puts every generated item in exactly one place, with the right host pattern, and no value in any reason', () => {
    const r = seededRandom(1818);
    const keys = KNOWN_SERVICES.flatMap((s) => s.keys);
    for (let round = 0; round < 300; round++) {
      const items = Array.from({ length: 1 + Math.floor(r() * 6) }, (_, i) => {
        const known = r() < 0.5;
        const name = known ? `${pick(r, ['', 'api/', 'work/x/'])}${pick(r, keys)}` : `misc/thing-${round}-${i}`;
        const value = pick(r, [`v-${round}-${i}-${Math.floor(r() * 1e9)}`, '', 'two\nlines']);
        return { name, value };
      });
      const given = new Map(items.filter(() => r() < 0.3).map((i) => [i.name, 'api.given.example']));
      const existing = new Set(items.filter(() => r() < 0.1).map((i) => i.name));
      const plan = planImport({ items, hostPatterns: given, existingNames: existing });
      expect(plan.create.length + plan.skip.length).toBe(items.length);
      for (const { item, secret } of plan.create) {
        expect(existing.has(item.name)).toBe(false);
        const service = serviceFor([item.name]);
        expect(secret.hostPattern).toBe(given.get(item.name) ?? service?.hostPattern);
        expect(secret.value).toBe(item.value);
      }
      for (const s of plan.skip) {
        for (const item of items) if (item.value.length > 3) expect(s.detail).not.toContain(item.value);
      }
    }
  });
});

describe('parseSecretToolOutput', () => {
  it('reads labels, attributes and secrets of each item', () => {
    const text = [
      '[/org/freedesktop/secrets/collection/login/1]',
      'label = Groq',
      'secret = gsk_1',
      'created = 2026-12-07 01:00:00',
      'attribute.service = groq',
      '[/org/freedesktop/secrets/collection/login/2]',
      'label = ',
      'secret = other = value',
      'attribute.purpose = agents',
      '',
    ].join('\n');
    expect(parseSecretToolOutput(text)).toEqual([
      { label: 'Groq', attributes: { service: 'groq' }, secret: 'gsk_1' },
      { label: '', attributes: { purpose: 'agents' }, secret: 'other = value' },
    ]);
  });
});
