/** CPU and memory of a process, as the bench children report them about themselves. */
export interface ProcessFigures {
  /** User + system CPU since the process started, in microseconds. */
  cpuMicros: number;
  rssBytes: number;
}

/** This process's own figures. */
export function ownFigures(): ProcessFigures {
  const cpu = process.cpuUsage();
  return { cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() };
}

/** A full garbage collection when the process runs with --expose-gc; otherwise nothing. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
