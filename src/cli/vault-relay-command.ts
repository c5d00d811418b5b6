import type { Command } from 'commander';
import { UsageError } from '../common/errors.js';
import { parseHostPort } from '../vault/relay/relay-target.js';
import { startRelay } from '../vault/relay/relay-server.js';
import { printLine, type CliContext } from './context.js';
import { untilStopSignal } from './stop-signal.js';
import { parseListen } from './listen-address.js';

export const RELAY_LISTEN_DEFAULT = '0.0.0.0:10255';
export const RELAY_HEALTH_DEFAULT = '127.0.0.1:10256';

export interface RelayFlags {
  listen: string;
  to: string;
  healthListen: string;
}

/** Runs the relay until SIGINT/SIGTERM, then closes it (open connections get a short grace). */
export async function runRelay(ctx: CliContext, flags: RelayFlags): Promise<void> {
  const target = parseHostPort(flags.to);
  if (!target) throw new UsageError(`--to must be the remote gateway as host:port, e.g. vault.example.com:10255 (got "${flags.to}")`);
  const listen = parseListen(flags.listen, '--listen');
  const health = flags.healthListen === 'off' ? null : parseListen(flags.healthListen, '--health-listen');
  const relay = await startRelay({ listen, target, health, logger: ctx.logger.child({ part: 'relay' }) });
  printLine(ctx, `Relay listening on port ${relay.port}, forwarding to ${flags.to}` + (relay.healthPort ? `; health on port ${relay.healthPort}` : ''));
  await untilStopSignal();
  await relay.close();
}

/** `ncl vault relay`: the vault image's relay mode, the lockdown network's only hop to a remote vault's gateway. */
export function addVaultRelayCommand(cmd: Command, ctx: CliContext): void {
  cmd
    .command('relay')
    .description('Forward TCP connections to one remote gateway, and nowhere else (the lockdown hop for a remote vault)')
    .requiredOption('--to <host:port>', 'the remote gateway, e.g. vault.example.com:10255')
    .option('--listen <host:port>', 'where agents connect', RELAY_LISTEN_DEFAULT)
    .option('--health-listen <host:port>', 'HTTP health answer (GET /health), or "off"', RELAY_HEALTH_DEFAULT)
    .action((o: RelayFlags) => runRelay(ctx, o));
}
