import { readdir, readFile } from 'node:fs/promises';
import type { ProcessFigures } from './own-figures.js';
import type { Child } from './ipc.js';

/** CPU and RSS of the process(es) under test, read the same way before and after a case. */
export interface Probe {
  figures(): Promise<ProcessFigures>;
  /** Collects garbage where the process allows it (our gateway); a no-op elsewhere. */
  gc(): Promise<void>;
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux build we run on. */
const CLK_TCK = 100;

/** ppid and CPU ticks from a /proc/<pid>/stat line (the command name may hold spaces and parens). */
export function parseStat(line: string): { ppid: number; ticks: number } | null {
  const close = line.lastIndexOf(')');
  if (close < 0) return null;
  const f = line.slice(close + 2).split(' ');
  // After the name: state(0) ppid(1) … utime(11) stime(12), see proc(5).
  const ppid = Number(f[1]);
  const ticks = Number(f[11]) + Number(f[12]);
  return Number.isFinite(ppid) && Number.isFinite(ticks) ? { ppid, ticks } : null;
}

/** VmRSS of a /proc/<pid>/status text, in bytes; 0 when absent (a zombie). */
export function parseRssBytes(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** `root` and every process below it, given each pid's parent. */
export function processTree(root: number, parents: ReadonlyMap<number, number>): number[] {
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
  }
  return tree;
}

async function readStats(): Promise<Map<number, { ppid: number; ticks: number }>> {
  const out = new Map<number, { ppid: number; ticks: number }>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const parsed = parseStat(stat);
    if (parsed) out.set(Number(name), parsed);
  }
  return out;
}

/** Sums CPU and RSS over a process and its children (squid's helpers), from /proc. */
export function processTreeProbe(rootPid: number): Probe {
  return {
    async figures() {
      const stats = await readStats();
      const tree = processTree(rootPid, new Map([...stats].map(([pid, s]) => [pid, s.ppid])));
      let ticks = 0;
      let rssBytes = 0;
      for (const pid of tree) {
        ticks += stats.get(pid)?.ticks ?? 0;
        rssBytes += parseRssBytes(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''));
      }
      return { cpuMicros: (ticks * 1e6) / CLK_TCK, rssBytes };
    },
    async gc() {},
  };
}

/** Asks a bench child (gateway, upstream) for its own `process.cpuUsage()` and RSS. */
export function childProbe(child: Child): Probe {
  return {
    figures: () => child.call<ProcessFigures>('figures'),
    gc: () => child.call<void>('gc'),
  };
}
