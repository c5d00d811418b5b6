import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from '../../src/vault/gateway/node-flags.js';
import { storeHarness } from '../support/store-backends.js';
import { startTlsUpstream, type TlsUpstream } from '../support/tls-upstream.js';
import { TS_HOOK } from '../support/ts-hook.js';
import { viaProxy } from './gateway-harness.js';
import { REPLICA_HOST, startReplica, type Replica } from './pg-replica.js';

/**
 * Issue 19: two vault replicas in two processes on one Postgres database; A is killed (SIGKILL)
 * while an agent's request is in flight on it and while it holds the store's write lock. The
 * agent's request on A fails, its retry on B is answered with the secret injected, and nothing
 * A had committed is lost.
 */

type Child = ChildProcessByStdio<Writable, Readable, null>;

describe('a vault replica killed mid-request', () => {
  const harness = storeHarness('postgres');
  let upstream: TlsUpstream | null = null;
  let a: Child | null = null;
  let b: Replica | null = null;
  let releaseHeld = () => {};

  // Registered after the harness's, so it runs first: the database outlives its clients.
  afterAll(async () => {
    if (a && a.exitCode === null && a.signalCode === null) {
      a.kill('SIGKILL');
      await once(a, 'exit');
    }
    await b?.close();
    releaseHeld();
    await upstream?.close();
  });

  it('fails the request in flight on A; B answers its retry with the value injected, and has everything A committed', async () => {
    const databaseUrl = harness.location.databaseUrl!;
    const masterKey = randomBytes(32);
    // The first request to /held waits here until the end of the test: it is in flight when A dies.
    let heldArrived = () => {};
    const arrived = new Promise<void>((resolve) => (heldArrived = resolve));
    const released = new Promise<void>((resolve) => (releaseHeld = resolve));
    let holds = 0;
    upstream = await startTlsUpstream({
      hostnames: [REPLICA_HOST],
      handler: async (req, res) => {
        if (req.url === '/held' && holds++ === 0) {
          heldArrived();
          await released;
        }
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`answer to ${req.url}`);
      },
    });
    const replicaUpstream = { caPem: upstream.caPem, port: upstream.port };

    const script = join(dirname(fileURLToPath(import.meta.url)), 'vault-replica-child.ts');
    const config = JSON.stringify({ databaseUrl, masterKeyHex: masterKey.toString('hex'), upstream: replicaUpstream });
    a = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, '--import', TS_HOOK, script, config], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: a.stdout })[Symbol.asyncIterator]();
    const answer = async <T>(): Promise<T> => JSON.parse(String((await lines.next()).value)) as T;
    const ask = <T>(op: string, arg: Record<string, string> = {}): Promise<T> => {
      a!.stdin.write(`${JSON.stringify({ op, ...arg })}\n`);
      return answer<T>();
    };
    const aPort = (await answer<{ port: number }>()).port;
    b = await startReplica({ databaseUrl, masterKey, upstream: replicaUpstream });

    // Committed by A before the kill: a secret, an agent granted it, an approval decided, two audit rows.
    const value = `ghp_${randomBytes(16).toString('hex')}`;
    const seeded = await ask<{ token: string; agentId: string; secretId: string; approvalId: string; caPem: string }>('seed', { value });
    expect(b.ca.certPem).toBe(seeded.caPem);
    const request = (port: number, path: string) =>
      viaProxy(port, { token: seeded.token, connect: `${REPLICA_HOST}:${upstream!.port}`, ca: seeded.caPem, path });
    for (const path of ['/before0', '/before1']) expect((await request(aPort, path)).status).toBe(200);
    await ask('flush');

    // In flight on A (the upstream has it and holds the answer), then A takes the write lock and is killed.
    const inFlight = request(aPort, '/held');
    const outcome = inFlight.then(
      (res) => ({ answered: res.status }),
      (err: NodeJS.ErrnoException) => ({ failed: err.code }),
    );
    await arrived;
    expect(await ask('hold-write-lock')).toEqual({ holding: true });
    const advisoryLocks = "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted";
    expect(harness.rawAll(advisoryLocks)).toEqual([{ n: 1 }]);
    a.kill('SIGKILL');
    const [, signal] = (await once(a, 'exit')) as [number | null, NodeJS.Signals | null];
    expect(signal).toBe('SIGKILL');
    expect(await outcome).toEqual({ failed: 'ECONNRESET' });

    // The agent retries on B: answered, with the value A stored injected.
    const retried = await request(b.gateway.port, '/held');
    expect(retried).toMatchObject({ status: 200, body: 'answer to /held' });
    expect(upstream.requests.map((r) => [r.url, r.headers.authorization])).toEqual(
      ['/before0', '/before1', '/held', '/held'].map((url) => [url, `token ${value}`]),
    );

    // Nothing lost: B sees everything A committed.
    expect(b.store.secrets.reveal(seeded.secretId)).toBe(value);
    expect(b.store.agents.findByToken(seeded.token)?.id).toBe(seeded.agentId);
    expect(b.store.agents.getSecretIds(seeded.agentId)).toEqual([seeded.secretId]);
    expect(b.store.approvals.get(seeded.approvalId)).toMatchObject({ status: 'approved', decidedBy: 'replica-a' });

    // B writes after the kill: the write lock A held died with its connection.
    const made = b.store.secrets.create({ name: 'after-kill', type: 'api_key', value: `v-${randomBytes(8).toString('hex')}`, hostPattern: 'after.test' });
    expect(b.store.secrets.getByName('after-kill')?.id).toBe(made.id);
    expect(harness.rawAll(advisoryLocks)).toEqual([{ n: 0 }]);
    b.gateway.flushAudit();
    b.store.getSetting('sync');
    const log = b.store.audit.list({ limit: 100, offset: 0 }).data;
    expect(log.map((e) => [e.path, e.status]).sort()).toEqual([
      ['/before0', 200],
      ['/before1', 200],
      ['/held', 200],
    ]);
    expect(b.store.audit.verify()).toMatchObject({ ok: true, checked: 3 });
  }, 60_000);
});
