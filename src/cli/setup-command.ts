import { Command } from 'commander';
import { printLine, type CliContext } from './context.js';
import { serveVault } from './vault-serve.js';

/**
 * `ncl setup`: for now, sets up the vault on this host and runs it in the foreground.
 * The full wizard (containers, auth, first group) replaces this body.
 */
export function setupCommand(ctx: CliContext): Command {
  return new Command('setup')
    .description('Set up nanoclaw on this machine and start the vault')
    .option('--api-listen <host:port>', 'API address (default 127.0.0.1:10254)')
    .option('--gateway-listen <host:port>', 'gateway address (default 127.0.0.1:10255)')
    .option('--data-dir <dir>', 'vault data directory')
    .action(async (o: { apiListen?: string; gatewayListen?: string; dataDir?: string }) => {
      printLine(ctx, 'Starting the vault on this host (Ctrl-C stops it). In another terminal:');
      printLine(ctx, '  npx ncl secrets create --name GitHub --type api_key --host-pattern api.github.com --value-stdin');
      printLine(ctx, '  npx ncl agents create --name "Main agent" --identifier main');
      await serveVault(ctx, { ...o, gateway: true });
    });
}
