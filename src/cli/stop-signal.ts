/**
 * Resolves on the first SIGINT or SIGTERM (then stops listening), so a long-running command can
 * close cleanly. `also` may register more reasons to stop, calling the function it is given.
 */
export function untilStopSignal(also?: (stop: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    also?.(stop);
  });
}
