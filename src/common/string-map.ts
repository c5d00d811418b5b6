import { z } from 'zod';

/**
 * An object of strings with every own key kept, read into a map without a prototype. zod's
 * `z.record` drops a `__proto__` key without a word: an approval read through it would hide that
 * header of a held request from the approver, and a container.json `env` would lose a variable.
 * `key` checks each name (its message lands at the key's path, as z.record puts it).
 */
export function stringMap(key: z.ZodType<string> = z.string()) {
  return z
    .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be an object')
    .transform((v, ctx) => {
      const out = Object.create(null) as Record<string, string>;
      for (const [name, value] of Object.entries(v)) {
        const checked = key.safeParse(name);
        if (!checked.success) {
          for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', path: [name], message: issue.message });
        } else if (typeof value !== 'string') {
          ctx.addIssue({ code: 'custom', path: [name], message: 'must be a string' });
        } else {
          out[name] = value;
        }
      }
      return out;
    });
}
