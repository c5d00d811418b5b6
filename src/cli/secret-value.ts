import { text } from 'node:stream/consumers';
import { UsageError } from '../common/errors.js';
import type { CliContext } from './context.js';

export interface ValueFlags {
  value?: string;
  valueStdin?: boolean;
}

/**
 * The secret value from `--value`, `--value-stdin` (recommended: stays out of shell history
 * and `ps`) or a hidden prompt. Returns undefined when `optional` and nothing was given.
 */
export async function readSecretValue(ctx: CliContext, flags: ValueFlags, optional = false): Promise<string | undefined> {
  if (flags.value !== undefined && flags.valueStdin) {
    throw new UsageError('Give the value with --value or --value-stdin, not both');
  }
  if (flags.value !== undefined) return flags.value;
  if (flags.valueStdin) {
    // Only the final line break is dropped: `echo "$TOKEN" | ncl secrets create …` works.
    const raw = (await text(ctx.stdin)).replace(/\r?\n$/, '');
    if (!raw) throw new UsageError('--value-stdin read an empty value');
    return raw;
  }
  if (optional) return undefined;
  if (!ctx.prompter.interactive) {
    throw new UsageError('No secret value given', {
      hint: 'Pipe it in with --value-stdin, e.g.: printf %s "$TOKEN" | ncl secrets create … --value-stdin',
    });
  }
  const value = await ctx.prompter.secret('Secret value (input hidden): ');
  if (!value) throw new UsageError('The secret value must not be empty');
  return value;
}
