import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { PgBridge } from '../../src/vault/store/pg-bridge.js';
import { BEGIN_WRITE } from '../../src/vault/store/pg-dialect.js';
import { REPLICA_HOST, startReplica } from './pg-replica.js';

// Vault replica A in a process of its own, so a test can SIGKILL it. Config comes as JSON in
// argv[2]; each stdin line is a command, answered by one JSON line on stdout (the first line
// says the gateway's port). Everything A writes, it writes through its own store connection.

const cfg = JSON.parse(process.argv[2] ?? '') as { databaseUrl: string; masterKeyHex: string; upstream: { caPem: string; port: number } };
const { store, ca, gateway } = await startReplica({ ...cfg, masterKey: Buffer.from(cfg.masterKeyHex, 'hex') });

const commands: Record<string, (arg: Record<string, string>) => object> = {
  /** A secret, an agent granted it alone, and an approval decided. */
  seed: ({ value }) => {
    const secret = store.secrets.create({
      name: 'github', type: 'generic', value: value!, hostPattern: REPLICA_HOST,
      injectionConfig: { headerName: 'Authorization', valueFormat: 'token {value}' },
    });
    const { agent, token } = store.agents.create({ name: 'main', identifier: 'main', secretMode: 'selective' });
    store.agents.setSecretIds(agent.id, [secret.id]);
    const at = new Date().toISOString();
    const approval = store.approvals.create({
      id: `apr_${randomBytes(6).toString('hex')}`, agentId: agent.id, agentIdentifier: 'main', secretId: secret.id, secretName: 'github',
      ruleId: null, method: 'POST', host: REPLICA_HOST, path: '/decided', headers: {}, bodyPreview: '', bodyDigest: '0'.repeat(64),
      bodySeen: 0, bodyUnseen: 0, routedTo: 'host', createdAt: at, expiresAt: at,
    });
    store.approvals.settle(approval.id, { status: 'approved', reason: null, decidedBy: 'replica-a', decidedAt: at });
    return { token, agentId: agent.id, secretId: secret.id, approvalId: approval.id, caPem: ca.certPem };
  },
  /** Writes the gateway's queued audit rows and answers once they are committed. */
  flush: () => {
    gateway.flushAudit();
    store.getSetting('sync'); // answered after the audit batch, on the same connection
    return { flushed: true };
  },
  /** Opens a write transaction on a connection of its own and leaves it open: A holds the write lock. */
  'hold-write-lock': () => {
    new PgBridge({ url: cfg.databaseUrl }).query(BEGIN_WRITE, [], { script: true });
    return { holding: true };
  },
};

process.stdout.write(`${JSON.stringify({ port: gateway.port })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const { op, ...arg } = JSON.parse(line) as { op: string } & Record<string, string>;
  process.stdout.write(`${JSON.stringify(commands[op]!(arg))}\n`);
}
