import { createHook } from 'node:async_hooks';

/** Called by the migration at each step boundary, with the step's name. */
export type Checkpoint = (step: string) => void;

export interface CrashHookOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Where the hook announces each step (the crash test reads it to count the steps). */
  log: (line: string) => void;
  /** Ends the process at once; the real one sends SIGKILL to itself, so nothing runs after it. */
  kill?: () => void;
}

// Completions of file and socket operations: each is a point where a write or a request is half done.
const IO_TYPES = new Set(['FSREQPROMISE', 'FSREQCALLBACK', 'TCPWRAP', 'TCPCONNECTWRAP', 'WRITEWRAP', 'SHUTDOWNWRAP']);

/**
 * A test-only hook for the crash test, active only when NANOCLAW_TEST_HOOKS=1; create it before the work it watches.
 * NANOCLAW_TEST_CRASH_AT=N kills the process at the Nth checkpoint. N+T kills it when the Tth file or
 * socket operation after the Nth checkpoint completes, before its result is used: inside the atomic
 * .env write (temp file created, written, synced, renamed…) or inside an HTTP call to the vault.
 */
export function crashHookFromEnv(options: CrashHookOptions): Checkpoint | undefined {
  if (options.env.NANOCLAW_TEST_HOOKS !== '1') return undefined;
  const kill = options.kill ?? (() => process.kill(process.pid, 'SIGKILL'));
  const spec = /^(\d+)(?:\+(\d+))?$/.exec(options.env.NANOCLAW_TEST_CRASH_AT ?? '');
  const at = spec ? Number(spec[1]) : undefined;
  const after = spec?.[2] ? Number(spec[2]) : 0;
  let count = 0;
  let counting = false;
  let seen = 0;
  // Recording starts now, not at checkpoint N: a keep-alive socket opened before it must still count.
  const types = new Map<number, string>();
  const hook = createHook({
    init: (id, type) => void types.set(id, type),
    before: (id) => {
      if (!counting || !IO_TYPES.has(types.get(id) ?? '') || ++seen < after) return;
      hook.disable();
      kill();
    },
  });
  if (after > 0) hook.enable();
  return (step) => {
    count++;
    options.log(`test-hook: checkpoint ${count} ${step}`);
    if (count !== at) return;
    if (after === 0) return kill();
    counting = true;
  };
}
