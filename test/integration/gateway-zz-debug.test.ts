import { it } from 'vitest';
import { startHarness, viaProxy } from './gateway-harness.js';
it('debug', async () => {
  await using g = await startHarness();
  const t = g.addAgent('t').token;
  const res = await viaProxy(g.gateway.port, { token: t, connect: `other.test:${g.upstream.port}`, ca: g.upstream.caPem });
  console.log(res.status);
  await new Promise((r) => setTimeout(r, 1500));
  console.log(JSON.stringify(g.store.audit.list({ limit: 10, offset: 0 }).data));
  console.log(g.logLines.join('\n'));
});
