/**
 * Node/V8 flags for any process that runs the gateway (the vault container's command,
 * `ncl vault serve`, or NODE_OPTIONS). A streamed body produces mostly off-heap garbage
 * (one decrypted chunk per TLS read) and very little on-heap garbage, so with V8's default
 * young generation (semi-spaces up to 16 MiB) scavenges are rare and ~60 MiB of dead chunks
 * wait to be freed. 2 MiB semi-spaces keep a 1 GiB download within ~20 MiB of RSS growth at
 * the same throughput (measured in test/integration/gateway-memory.test.ts). `ncl vault serve`
 * on the host re-runs itself with them (see `relaunchExecArgv`); V8 reads them only at startup.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** Set in the environment of a process re-run with the gateway flags, so it is never re-run twice. */
export const RELAUNCHED_ENV = 'NANOCLAW_GATEWAY_RELAUNCHED';

/**
 * The Node arguments to re-run this process with so that it has every gateway flag, or null
 * when it already has them (on its command line or in NODE_OPTIONS) or is itself a re-run.
 */
export function relaunchExecArgv(execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] | null {
  if (env[RELAUNCHED_ENV] === '1') return null;
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  const missing = GATEWAY_NODE_FLAGS.filter((flag) => {
    const name = flag.split('=')[0] ?? flag;
    return !given.some((arg) => arg === name || arg.startsWith(`${name}=`));
  });
  return missing.length > 0 ? [...missing, ...execArgv] : null;
}
