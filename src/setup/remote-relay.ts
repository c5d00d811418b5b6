import type { SetupContext } from './types.js';

/**
 * Lockdown with a remote vault: agents on the internal network need a local relay (the vault
 * image in relay mode) as their only hop, forwarding only to the remote gateway.
 */
export async function ensureRemoteRelay(ctx: SetupContext, say: (line: string) => void): Promise<void> {
  say('Starting the lockdown relay to the remote gateway…');
  const relay = await ctx.services.ensureRelay({ progress: say });
  say(`Lockdown relay ${relay.container} ${relay.action === 'unchanged' ? 'already running' : relay.action}, forwarding to ${relay.target}`);
}
