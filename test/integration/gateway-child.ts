import { readFileSync } from 'node:fs';
import { Logger } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/redact.js';
import { LeafCache } from '../../src/vault/ca/leaf-cache.js';
import { startGateway } from '../../src/vault/gateway/gateway-server.js';
import { openStore } from '../../src/vault/store/store.js';
import type { CaMaterial } from '../../src/vault/store/types.js';

// The gateway alone in its own process, so a test can measure the gateway's memory and not
// its own. Config comes as a JSON file (argv[2]); stdin takes `mark` (returns the RSS now and
// restarts the peak) and `peak` (the highest RSS since the mark); stdout answers in JSON lines.

interface ChildConfig {
  dbPath: string;
  masterKeyHex: string;
  ca: CaMaterial;
  upstreamCaPem: string;
  allowPrivate: string[];
}

const cfg = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ChildConfig;
const redactor = new Redactor();
const logger = new Logger({ level: 'warn', redactor });
const store = openStore({ path: cfg.dbPath, masterKey: Buffer.from(cfg.masterKeyHex, 'hex'), redactor });
const gateway = await startGateway({
  store,
  leafCache: new LeafCache({ ca: cfg.ca }),
  logger,
  host: '127.0.0.1',
  port: 0,
  extraCaPem: [cfg.upstreamCaPem],
  allowPrivate: cfg.allowPrivate,
  resolve: async () => ['127.0.0.1'],
  // The transport under test (the gateway-node-tls vitest project sets node).
  tls: process.env.NANOCLAW_GATEWAY_TLS === 'node' ? 'node' : 'native',
});

const rss = (): number => process.memoryUsage().rss;
let peak = rss();
setInterval(() => (peak = Math.max(peak, rss())), 10).unref();
const say = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
say({ port: gateway.port });
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  for (const line of chunk.split('\n')) {
    if (line === 'mark') {
      peak = rss();
      say({ rss: peak });
    } else if (line === 'peak') say({ peak: Math.max(peak, rss()) });
  }
});
process.stdin.on('end', () => {
  void gateway.close().then(() => {
    store.close();
    process.exit(0);
  });
});
