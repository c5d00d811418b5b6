import { Command, Option } from 'commander';
import { UsageError } from '../common/errors.js';
import { SECRET_TYPES, type InjectionConfig } from '../vault/model/records.js';
import { OAuthValueSchema } from '../vault/oauth/oauth-value.js';
import { printJson, type CliContext } from './context.js';
import { readSecretValue } from './secret-value.js';
import { addSecretsImport } from './secrets-import.js';
import { connectVault } from './vault-connection.js';

interface InjectionFlags {
  headerName?: string;
  valueFormat?: string;
  paramName?: string;
  paramFormat?: string;
}

/** What `secrets create --help` says each type's value is. */
function valueHelp(): string {
  return [
    '',
    'The value (--value-stdin, --value, or the hidden prompt):',
    '  oauth2      a JSON document with ' + Object.keys(OAuthValueSchema.shape).join(', '),
    '              (tokens as strings, refreshToken and clientSecret may be null, tokenEndpoint an',
    '              https:// URL, expiresAt and issuedAt epoch milliseconds, expiresAt may be null);',
    "              or connect the account on the dashboard's Connect page instead",
    '  honeytoken  none: the vault makes up the decoy, and it never leaves the vault',
    '  any other   the credential itself',
  ].join('\n');
}

/** Builds `injectionConfig` from OneCLI's flags; header and query-parameter forms are exclusive. */
export function injectionFromFlags(flags: InjectionFlags): InjectionConfig | undefined {
  const header = flags.headerName !== undefined || flags.valueFormat !== undefined;
  const param = flags.paramName !== undefined || flags.paramFormat !== undefined;
  if (header && param) throw new UsageError('Use --header-name/--value-format or --param-name/--param-format, not both');
  if (header) {
    if (!flags.headerName) throw new UsageError('--value-format needs --header-name');
    return { headerName: flags.headerName, ...(flags.valueFormat ? { valueFormat: flags.valueFormat } : {}) };
  }
  if (param) {
    if (!flags.paramName) throw new UsageError('--param-format needs --param-name');
    return { paramName: flags.paramName, ...(flags.paramFormat ? { paramFormat: flags.paramFormat } : {}) };
  }
  return undefined;
}

function withSecretFlags(cmd: Command): Command {
  return cmd
    .option('--value <value>', 'the secret value (prefer --value-stdin: keeps it out of shell history and ps)')
    .option('--value-stdin', 'read the secret value from standard input')
    .option('--path-pattern <pattern>', 'only inject on matching paths, e.g. /v1/*')
    .option('--header-name <name>', 'generic: the header to set')
    .option('--value-format <format>', 'generic: header value template, e.g. "Bearer {value}"')
    .option('--param-name <name>', 'generic: the query parameter to set')
    .option('--param-format <format>', 'generic: query parameter template, e.g. "{value}"');
}

/** `ncl secrets list|get|create|update|delete` — JSON out, never a value. */
export function secretsCommand(ctx: CliContext): Command {
  const cmd = new Command('secrets').description('Manage secrets in the vault (values are write-only)');
  cmd
    .command('list')
    .description('List secrets (names, types, host patterns; never values)')
    .action(async () => printJson(ctx, await (await connectVault(ctx)).listSecrets()));
  cmd
    .command('get')
    .description('Show one secret’s metadata')
    .requiredOption('--id <id>', 'secret id or name')
    .action(async (o: { id: string }) => printJson(ctx, await (await connectVault(ctx)).getSecret(o.id)));
  withSecretFlags(
    cmd
      .command('create')
      .description('Store a secret and the hosts it may be injected into')
      .requiredOption('--name <name>', 'a unique name, e.g. "GitHub token"')
      .addOption(new Option('--type <type>', 'how it is injected').choices(SECRET_TYPES).makeOptionMandatory())
      .requiredOption('--host-pattern <pattern>', 'api.example.com, *.example.com (subdomains) or .example.com (the apex too)')
      .addHelpText('after', valueHelp),
  ).action(async (o) => {
    // A honeytoken takes no value: the vault makes one up, and it never leaves the vault.
    const value = await readSecretValue(ctx, o, o.type === 'honeytoken');
    const injectionConfig = injectionFromFlags(o);
    printJson(
      ctx,
      await (await connectVault(ctx)).createSecret({
        name: o.name,
        type: o.type,
        ...(value !== undefined ? { value } : {}),
        hostPattern: o.hostPattern,
        ...(o.pathPattern ? { pathPattern: o.pathPattern } : {}),
        ...(injectionConfig ? { injectionConfig } : {}),
      }),
    );
  });
  withSecretFlags(
    cmd
      .command('update')
      .description('Change a secret’s metadata or rotate its value')
      .requiredOption('--id <id>', 'secret id or name')
      .option('--name <name>', 'new name')
      .addOption(new Option('--type <type>', 'new type').choices(SECRET_TYPES))
      .option('--host-pattern <pattern>', 'new host pattern'),
  ).action(async (o) => {
    const value = await readSecretValue(ctx, o, true);
    const injectionConfig = injectionFromFlags(o);
    const patch = {
      ...(o.name ? { name: o.name } : {}),
      ...(o.type ? { type: o.type } : {}),
      ...(value !== undefined ? { value } : {}),
      ...(o.hostPattern ? { hostPattern: o.hostPattern } : {}),
      ...(o.pathPattern ? { pathPattern: o.pathPattern } : {}),
      ...(injectionConfig ? { injectionConfig } : {}),
    };
    if (Object.keys(patch).length === 0) throw new UsageError('Nothing to update: give at least one option (see --help)');
    printJson(ctx, await (await connectVault(ctx)).updateSecret(o.id, patch));
  });
  cmd
    .command('delete')
    .description('Delete a secret (and every grant of it)')
    .requiredOption('--id <id>', 'secret id or name')
    .action(async (o: { id: string }) => printJson(ctx, await (await connectVault(ctx)).deleteSecret(o.id)));
  addSecretsImport(ctx, cmd);
  return cmd;
}
