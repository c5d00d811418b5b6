import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from '../../src/vault/gateway/node-flags.js';
import type { UpstreamHandler } from '../support/tls-upstream.js';
import { TS_HOOK } from '../support/ts-hook.js';
import { connectTunnel, startHarness, type Harness } from './gateway-harness.js';

const VALUE = 'ghp_MEMORYtestValue0123456789abcdef';
const MiB = 1024 * 1024;
const TOTAL_MIB = 256;

const chunk = Buffer.alloc(64 * 1024, 'abcdefghijklmnopqrstuvwxyz0123456789\n');

// Streams `mib` MiB of text (so the echo redactor is in the path), honouring backpressure.
const handler: UpstreamHandler = async (req, res) => {
  const mib = Number(new URL(req.url ?? '/', 'https://u.test').searchParams.get('mib') ?? '1');
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(mib * MiB) });
  for (let sent = 0; sent < mib * MiB; sent += chunk.length) {
    if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
  }
  res.end();
};

let h: Harness;
let token: string;
let child: ChildProcessByStdio<Writable, Readable, null>;
let lines: AsyncIterator<string>;
let childPort: number;

async function ask(command: string): Promise<Record<string, number>> {
  child.stdin.write(`${command}\n`);
  const next = await lines.next();
  return JSON.parse(String(next.value)) as Record<string, number>;
}

beforeAll(async () => {
  h = await startHarness({ handler });
  token = h.addAgent('memory').token;
  h.addSecret({ name: 'gh', type: 'api_key', value: VALUE, hostPattern: 'api.github.test' });
  const cfgPath = join(dirname(h.storeFile.dbPath), 'child.json');
  await writeFile(
    cfgPath,
    JSON.stringify({ ...h.storeFile, upstreamCaPem: h.upstream.caPem, allowPrivate: [`127.0.0.1:${h.upstream.port}`] }),
  );
  const script = join(dirname(fileURLToPath(import.meta.url)), 'gateway-child.ts');
  child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, '--import', TS_HOOK, script, cfgPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  childPort = (JSON.parse(String((await lines.next()).value)) as { port: number }).port;
});

afterAll(async () => {
  child?.stdin.end();
  await new Promise((r) => (child ? child.once('exit', r) : r(null)));
  await h?.close();
});

/** Downloads /big through the child gateway, reading slowly now and then; returns the byte count. */
async function download(mib: number): Promise<number> {
  const tunnel = await connectTunnel(childPort, `api.github.test:${h.upstream.port}`, token);
  const socket = tls.connect({ socket: tunnel.socket, servername: 'api.github.test', ca: h.vaultCaPem });
  return new Promise((resolve, reject) => {
    const req = http.request({ createConnection: () => socket, path: `/big?mib=${mib}`, headers: { host: `api.github.test:${h.upstream.port}` } });
    req.once('response', (res) => {
      let bytes = 0;
      let nextPause = 16 * MiB;
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        if (bytes >= nextPause) {
          nextPause += 16 * MiB;
          res.pause();
          setTimeout(() => res.resume(), 30);
        }
      });
      res.once('end', () => {
        socket.destroy();
        resolve(bytes);
      });
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}

describe('large bodies', () => {
  // The child runs with the flags the product runs the gateway with (see node-flags.ts).
  it(`streams ${TOTAL_MIB} MiB through the gateway with its RSS growing less than 64 MiB`, async () => {
    expect(await download(4)).toBe(4 * MiB); // warm-up: TLS contexts, pools, code paths
    const { rss } = await ask('mark');
    expect(await download(TOTAL_MIB)).toBe(TOTAL_MIB * MiB);
    const { peak } = await ask('peak');
    const growthMiB = ((peak ?? 0) - (rss ?? 0)) / MiB;
    expect(growthMiB, `RSS grew ${growthMiB.toFixed(1)} MiB`).toBeLessThan(64);
    expect(h.upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${VALUE}`);
  });
});
