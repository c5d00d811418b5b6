import type { Command } from 'commander';
import { UsageError } from '../common/errors.js';
import { planImport } from '../migrate/import-plan.js';
import { IMPORT_SOURCES, parseImportSource, readImportSource } from '../migrate/import-sources.js';
import { HostPatternSchema } from '../vault/model/records.js';
import { printJson, type CliContext } from './context.js';
import { connectVault } from './vault-connection.js';

/** `--host-pattern NAME=PATTERN`, repeatable: the host pattern of a source item that is not a known service. */
function hostPatterns(given: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of given) {
    const eq = g.lastIndexOf('=');
    const pattern = eq > 0 ? HostPatternSchema.safeParse(g.slice(eq + 1)) : null;
    if (!pattern?.success) throw new UsageError(`--host-pattern must be NAME=PATTERN, e.g. 'stripe/live=api.stripe.com' (got "${g}")`);
    out.set(g.slice(0, eq), pattern.data);
  }
  return out;
}

/**
 * `ncl secrets import SOURCE`: moves credentials from where users keep them into the vault, each
 * with the host pattern of its known service or the one given. Prints what moved and what did
 * not (and why) as JSON; never a value. `--dry-run` reads and plans, and writes nothing.
 */
export function addSecretsImport(ctx: CliContext, secrets: Command): void {
  secrets
    .command('import')
    .description(`Import secrets from ${IMPORT_SOURCES} (never prints a value)`)
    .argument('<source>', IMPORT_SOURCES)
    .option('--dry-run', 'list what would be imported and what would not, and change nothing')
    .option('--host-pattern <name=pattern>', 'host pattern for an item that is not a known service (repeatable)', (v, acc: string[]) => [...acc, v], [])
    .action(async (spec: string, o: { dryRun?: boolean; hostPattern: string[] }) => {
      const source = parseImportSource(spec, ctx.env, ctx.cwd);
      const patterns = hostPatterns(o.hostPattern);
      const client = await connectVault(ctx);
      const items = await readImportSource(source, ctx.env);
      const existing = new Set((await client.listSecrets()).data.map((s) => s.name));
      const plan = planImport({ items, hostPatterns: patterns, existingNames: existing });
      const imported = [];
      for (const { secret, service } of plan.create) {
        const described = { name: secret.name, type: secret.type, hostPattern: secret.hostPattern, service };
        imported.push(o.dryRun ? described : { ...described, id: (await client.createSecret(secret)).id });
      }
      printJson(ctx, { source: source.kind, dryRun: o.dryRun === true, imported, skipped: plan.skip });
    });
}
