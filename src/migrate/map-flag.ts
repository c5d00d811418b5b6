import { UsageError } from '../common/errors.js';
import { HostPatternSchema } from '../vault/model/records.js';
import { protectedReason } from './classify-key.js';
import { hostOfUrl } from './resolve-target.js';

/** A host pattern from what a person typed: `api.example.com`, `*.example.com` or a URL; undefined when neither. */
export function parseHostInput(raw: string): string | undefined {
  const text = raw.trim();
  if (text.includes('://')) return hostOfUrl(text);
  const host = HostPatternSchema.safeParse(text);
  return host.success ? host.data : undefined;
}

/** `--map KEY=host` flags → KEY → host pattern; a usage error names the flag that is wrong. */
export function parseMapFlags(values: readonly string[]): Record<string, string> {
  const map: Record<string, string> = Object.create(null);
  for (const raw of values) {
    const eq = raw.indexOf('=');
    const key = raw.slice(0, eq).trim();
    const target = raw.slice(eq + 1);
    if (eq <= 0 || !key) throw new UsageError(`--map ${raw}: expected KEY=host, for example --map MY_API_KEY=api.example.com`);
    const fixed = protectedReason(key);
    if (fixed) throw new UsageError(`--map ${key}: this key always stays in .env (${fixed.detail})`);
    const host = parseHostInput(target);
    if (!host) {
      throw new UsageError(`--map ${key}=${target.trim()}: not a host name`, {
        hint: 'Give a host like api.example.com or *.example.com (no path or port), or a URL',
      });
    }
    if (key in map) throw new UsageError(`--map ${key} is given twice`);
    map[key] = host;
  }
  return map;
}
