import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INJECTED_HEADER } from '../subject.js';
import { freePort, startProxyProcess } from './external.js';
import { MITM_ADDON } from './mitmproxy.js';
import { squidConfig } from './squid.js';

describe('squidConfig', () => {
  const conf = squidConfig({ dir: '/tmp/sq', port: 3999, certgen: '/usr/lib/squid/security_file_certgen', value: 'v-1' });

  it('bumps TLS on loopback only with the given CA and dynamic leaves', () => {
    expect(conf).toMatch(/^http_port 127\.0\.0\.1:3999 ssl-bump tls-cert=\/tmp\/sq\/ca\.pem tls-key=\/tmp\/sq\/ca\.key generate-host-certificates=on/m);
    expect(conf).toMatch(/^ssl_bump bump all$/m);
    expect(conf).toMatch(/^tls_outgoing_options cafile=\/tmp\/sq\/upstream-ca\.pem$/m);
  });

  it('adds the injected header to every request and caches nothing', () => {
    expect(conf).toContain(`request_header_add ${INJECTED_HEADER} "v-1" all`);
    expect(conf).toMatch(/^cache deny all$/m);
    expect(conf).toMatch(/^hosts_file \/tmp\/sq\/hosts$/m);
  });
});

describe('MITM_ADDON', () => {
  it('injects in requestheaders, because streamed requests send headers before the request hook', () => {
    expect(MITM_ADDON).toMatch(/def requestheaders\(flow\):\n(?:.*\n)*?\s+flow\.request\.headers\[HEADER\] = VALUE/);
    expect(MITM_ADDON).not.toMatch(/def request\(flow\)/);
    expect(MITM_ADDON).toContain('flow.response.stream = True');
  });
});

describe('startProxyProcess', () => {
  it('turns a proxy that exits before listening into a skip note with its detail, and removes its directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nanoclaw-proxy-test-'));
    const note = await startProxyProcess({
      name: 'quitter',
      file: process.execPath,
      args: ['-e', 'process.exit(3)'],
      dir,
      port: await freePort(),
      detail: async () => 'its last log line',
    });
    expect(note).toMatch(/^quitter skipped: quitter exited \(3\) before listening on \d+ \(its last log line\)$/);
    expect(existsSync(dir)).toBe(false);
  });
});
