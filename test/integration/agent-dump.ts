import type Docker from 'dockerode';
import { execInContainer } from '../../src/docker/container-exec.js';

/**
 * Dumps what an agent can read: its environment (as the exec sees it and as PID 1 holds it),
 * and every regular file it can read on every mount (the home, the CA files, the image), except
 * /proc, /sys and /dev and files over 8 MB (binaries like node, which we never write).
 * The secrets never go into the container: the dump comes out and the host searches it.
 */
const DUMP_SCRIPT = String.raw`
const fs = require('fs'), path = require('path');
const out = (s) => fs.writeSync(1, s);
const skipped = [];
let files = 0;
out('=== env\n' + Object.entries(process.env).map(([k, v]) => k + '=' + v).join('\n') + '\n');
for (const p of ['/proc/1/environ', '/proc/1/cmdline', '/proc/self/environ']) {
  try { out('=== ' + p + '\n' + fs.readFileSync(p).toString('latin1').replace(/\0/g, '\n') + '\n'); } catch (e) { out('=== ' + p + ' unreadable ' + e.code + '\n'); }
}
function walk(dir) {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (['/proc', '/sys', '/dev'].includes(full)) continue;
    if (e.isDirectory()) walk(full);
    else if (e.isFile()) {
      let st; try { st = fs.statSync(full); } catch { continue; }
      if (st.size > 8 * 1024 * 1024) { skipped.push(full); continue; }
      let data; try { data = fs.readFileSync(full); } catch { continue; }
      files++;
      out('=== file ' + full + '\n'); fs.writeSync(1, data); out('\n');
    }
  }
}
walk('/');
out('=== summary ' + JSON.stringify({ files, skipped }) + '\n');
`;

export interface AgentDump {
  text: string;
  files: number;
  skipped: string[];
}

/** Runs the dump inside the container as `user` and returns it (latin1, so every byte survives). */
export async function dumpAgent(docker: Docker, container: string, user: string): Promise<AgentDump> {
  const r = await execInContainer(docker, container, { cmd: ['node', '-e', DUMP_SCRIPT], user, timeoutMs: 120_000 });
  const summary = /=== summary (\{.*\})\n?$/.exec(r.stdout)?.[1];
  if (!summary) throw new Error(`agent dump failed (exit ${r.exitCode}): ${r.stderr.slice(0, 500)}`);
  const { files, skipped } = JSON.parse(summary) as { files: number; skipped: string[] };
  return { text: r.stdout, files, skipped };
}

/** Every form of `value` worth searching for: raw, base64 and URL-encoded. */
export function secretForms(value: string): string[] {
  return [...new Set([value, Buffer.from(value).toString('base64'), encodeURIComponent(value)])];
}
