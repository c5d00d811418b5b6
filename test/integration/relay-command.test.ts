import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../e2e/cli-run.js';

// `ncl vault relay` as the relay container runs it: the built CLI, real sockets, stopped by SIGTERM.

let dir: string;
const seen: Buffer[] = [];
const upstream = createServer((s: Socket) => {
  s.on('data', (c: Buffer) => {
    seen.push(c);
    s.write(Buffer.concat([Buffer.from('echo:'), c]));
  });
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nanoclaw-relay-cli-'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  upstream.close();
  await rm(dir, { recursive: true, force: true });
});

describe('ncl vault relay (built CLI)', () => {
  it('forwards to --to only, answers /health, logs no payload, and exits 0 on SIGTERM after closing', async () => {
    const to = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const relay = await startCli(['vault', 'relay', '--listen', '127.0.0.1:0', '--to', to, '--health-listen', '127.0.0.1:0'], {
      cwd: dir,
      env: { ...process.env, LOG_LEVEL: 'debug' },
      ready: /Relay listening on port (\d+).*health on port (\d+)/,
    });
    const [, port, healthPort] = /Relay listening on port (\d+).*health on port (\d+)/.exec(relay.output()) ?? [];
    const marker = `CONNECT api.github.test:443 HTTP/1.1\r\nProxy-Authorization: Basic ${randomBytes(12).toString('hex')}\r\n\r\n`;
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: Number(port) }, () => s.write(marker));
      s.once('data', (d) => {
        resolve(d.toString());
        s.end();
      });
      s.once('error', reject);
    });
    expect(answer).toBe(`echo:${marker}`);
    expect(Buffer.concat(seen).toString()).toBe(marker);
    const health = await (await fetch(`http://127.0.0.1:${healthPort}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', role: 'relay', target: to, total: 1, failed: 0 });

    const code = await relay.stop();
    expect(code).toBe(0);
    const out = relay.output();
    expect(out).toContain('Stopping relay');
    expect(out).toMatch(/Stopped relay part=relay total=1 failed=0/);
    expect(out).not.toContain(marker.split('Basic ')[1]?.slice(0, 24));
  });

  it('refuses a --to that is not one host:port (usage error, exit 2)', async () => {
    const r = await runCli(['vault', 'relay', '--to', 'http://vault.example.com'], { cwd: dir, env: process.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--to must be the remote gateway as host:port');
  });
});
