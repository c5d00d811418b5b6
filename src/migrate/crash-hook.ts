/** Called by the migration at each step boundary, with the step's name. */
export type Checkpoint = (step: string) => void;

export interface CrashHookOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Where the hook announces each step (the crash test reads it to count the steps). */
  log: (line: string) => void;
  /** Ends the process at once; the real one sends SIGKILL to itself, so nothing runs after it. */
  kill?: () => void;
}

/**
 * A test-only hook for the crash test, active only when NANOCLAW_TEST_HOOKS=1.
 * NANOCLAW_TEST_CRASH_AT=N kills the process at the Nth checkpoint; N+T lets it run on for T turns of
 * the event loop first, so the kill lands inside the I/O that follows (an HTTP call, the .env write).
 */
export function crashHookFromEnv(options: CrashHookOptions): Checkpoint | undefined {
  if (options.env.NANOCLAW_TEST_HOOKS !== '1') return undefined;
  const kill = options.kill ?? (() => process.kill(process.pid, 'SIGKILL'));
  const spec = /^(\d+)(?:\+(\d+))?$/.exec(options.env.NANOCLAW_TEST_CRASH_AT ?? '');
  const at = spec ? Number(spec[1]) : undefined;
  const turns = spec?.[2] ? Number(spec[2]) : 0;
  let count = 0;
  return (step) => {
    count++;
    options.log(`test-hook: checkpoint ${count} ${step}`);
    if (count !== at) return;
    if (turns === 0) return kill();
    let left = turns;
    const tick = () => (--left <= 0 ? kill() : setImmediate(tick));
    setImmediate(tick);
  };
}
