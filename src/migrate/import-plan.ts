import type { CreateSecretBody } from '../vault/api/schemas.js';
import { SecretValueSchema } from '../vault/model/records.js';
import { protectedReason } from './classify-key.js';
import { injectionConfigOf } from './resolve-target.js';
import { KNOWN_SERVICES, findService, type KnownService } from '../config/known-services.js';

/** One credential found in a source; `value` is never printed. */
export interface ImportItem {
  /** The name it has in its source: a pass entry path, a keyring item's label, a .env key. */
  name: string;
  /** Other names it is known by (keyring attributes): any may name a known service. */
  aliases?: readonly string[];
  value: string;
}

export type ImportSkipReason = 'no_host_pattern' | 'exists' | 'host_setting' | 'unstorable' | 'duplicate';

export interface ImportPlan {
  create: { item: ImportItem; secret: CreateSecretBody; service: string | null }[];
  skip: { name: string; reason: ImportSkipReason; detail: string }[];
}

/** `OPENAI_API_KEY`-style candidates from a source name: the whole path and its last segment. */
function keyCandidates(name: string): string[] {
  const snake = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase();
  const last = name.split('/').filter(Boolean).at(-1) ?? name;
  return [...new Set([snake(name), snake(last)])];
}

/** The known service a source name stands for: by one of its keys, or by the service's own name. */
export function serviceFor(names: readonly string[]): KnownService | undefined {
  for (const name of names) {
    for (const key of keyCandidates(name)) {
      const byKey = findService(key)?.service;
      if (byKey) return byKey;
    }
  }
  const words = new Set(names.flatMap((n) => n.toLowerCase().split(/[^a-z0-9]+/)).filter(Boolean));
  return KNOWN_SERVICES.find((s) => words.has(s.service.toLowerCase().replace(/[^a-z0-9]+/g, '')));
}

/**
 * What an import would do, decided from the items alone: each becomes a secret named as in its
 * source, with the host pattern of its known service or the one given for it (`hostPatterns`,
 * by source name); an item with neither, a name already in the vault, a host-process setting or a
 * value the vault cannot hold is skipped with the reason. Pure.
 */
export function planImport(o: {
  items: readonly ImportItem[];
  hostPatterns: ReadonlyMap<string, string>;
  existingNames: ReadonlySet<string>;
}): ImportPlan {
  const plan: ImportPlan = { create: [], skip: [] };
  const seen = new Set<string>();
  for (const item of o.items) {
    const skip = (reason: ImportSkipReason, detail: string) => plan.skip.push({ name: item.name, reason, detail });
    const hostSetting = protectedReason(keyCandidates(item.name).at(-1) ?? item.name);
    if (hostSetting) {
      skip('host_setting', hostSetting.detail);
      continue;
    }
    if (o.existingNames.has(item.name) || seen.has(item.name)) {
      skip(seen.has(item.name) ? 'duplicate' : 'exists', 'a secret of this name is already in the vault; rename or delete it first');
      continue;
    }
    if (!SecretValueSchema.safeParse(item.value).success) {
      skip('unstorable', 'empty, longer than 64 KiB, or holds a line break or NUL');
      continue;
    }
    const given = o.hostPatterns.get(item.name);
    const service = serviceFor([item.name, ...(item.aliases ?? [])]);
    if (!given && !service) {
      skip('no_host_pattern', `not a known service: give one with --host-pattern '${item.name}=api.example.com'`);
      continue;
    }
    seen.add(item.name);
    const secret: CreateSecretBody = service
      ? {
          name: item.name,
          type: service.type,
          value: item.value,
          hostPattern: given ?? service.hostPattern,
          ...(service.type === 'generic' ? { injectionConfig: injectionConfigOf(service.form) } : {}),
        }
      : { name: item.name, type: 'api_key', value: item.value, hostPattern: given! };
    plan.create.push({ item, secret, service: service?.service ?? null });
  }
  return plan;
}
