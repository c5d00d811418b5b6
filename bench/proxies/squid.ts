import { execFile } from 'node:child_process';
import { chown, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCa } from '../../src/vault/ca/ca.js';
import { proxyDial } from '../client.js';
import { processTreeProbe } from '../probe.js';
import { INJECTED_HEADER, type Subject } from '../subject.js';
import { findExecutable, freePort, startProxyProcess } from './external.js';

const run = promisify(execFile);
const SQUID_LIBEXEC = '/usr/lib/squid';

export interface SquidConfigInput {
  dir: string;
  port: number;
  certgen: string;
  value: string;
}

/** squid.conf for ssl-bump with header injection, loopback only, no cache, no access log. */
export function squidConfig(o: SquidConfigInput): string {
  const d = o.dir;
  return [
    `http_port 127.0.0.1:${o.port} ssl-bump tls-cert=${d}/ca.pem tls-key=${d}/ca.key generate-host-certificates=on dynamic_cert_mem_cache_size=16MB`,
    `sslcrtd_program ${o.certgen} -s ${d}/ssl_db -M 16MB`,
    'sslcrtd_children 4 startup=1 idle=1',
    'acl step1 at_step SslBump1',
    'ssl_bump peek step1',
    'ssl_bump bump all',
    `tls_outgoing_options cafile=${d}/upstream-ca.pem`,
    `request_header_add ${INJECTED_HEADER} "${o.value}" all`,
    'http_access allow all',
    'cache deny all',
    'cache_mem 8 MB',
    'access_log none',
    'cache_store_log none',
    `cache_log ${d}/cache.log`,
    `pid_filename ${d}/squid.pid`,
    `hosts_file ${d}/hosts`,
    'dns_nameservers 127.0.0.1',
    `coredump_dir ${d}`,
    'shutdown_lifetime 0 seconds',
    'client_idle_pconn_timeout 10 minutes',
    'pconn_timeout 10 minutes',
    'max_filedescriptors 16384',
    'via off',
    'forwarded_for delete',
    '',
  ].join('\n');
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  if (!(await stat(path)).isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), uid, gid);
}

/** uid/gid of the `proxy` user squid drops to when started as root; null when not root. */
async function proxyUser(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('proxy:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
}

export interface ComparisonStart {
  upstreamPort: number;
  upstreamCaPem: string;
  value: string;
  /** Every name the cases use; the proxy resolves them to 127.0.0.1. */
  names: string[];
}

/** Starts squid (Debian squid-openssl) with ssl-bump; returns a note instead when it cannot. */
export async function startSquid(o: ComparisonStart): Promise<Subject | string> {
  const squid = await findExecutable('squid', ['/usr/sbin']);
  const certgen = await findExecutable('security_file_certgen', [SQUID_LIBEXEC]);
  if (!squid || !certgen) return 'squid skipped: not installed (apt-get install squid-openssl)';
  const version = await run(squid, ['-v']).then((r) => r.stdout, () => '');
  if (!version.includes('--with-openssl')) return 'squid skipped: built without OpenSSL (install squid-openssl)';
  const dir = await mkdtemp(join(tmpdir(), 'nanoclaw-bench-squid-'));
  const ca = createCa({ commonName: 'nanoclaw bench squid CA' });
  await writeFile(join(dir, 'ca.pem'), ca.certPem);
  await writeFile(join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  await writeFile(join(dir, 'upstream-ca.pem'), o.upstreamCaPem);
  await writeFile(join(dir, 'hosts'), o.names.map((n) => `127.0.0.1 ${n}`).join('\n') + '\n');
  const port = await freePort();
  await writeFile(join(dir, 'squid.conf'), squidConfig({ dir, port, certgen, value: o.value }), { mode: 0o600 });
  await run(certgen, ['-c', '-s', join(dir, 'ssl_db'), '-M', '16MB']);
  const user = await proxyUser();
  if (user) await chownTree(dir, user.uid, user.gid);
  const started = await startProxyProcess({
    name: 'squid',
    file: squid,
    args: ['-N', '-f', join(dir, 'squid.conf')],
    dir,
    port,
    detail: async () => {
      const log = await readFile(join(dir, 'cache.log'), 'utf8').catch(() => '');
      const last = log.trim().split('\n').slice(-3).join(' | ').replaceAll(o.value, '[REDACTED]');
      return last ? `cache.log: ${last}` : '';
    },
  });
  if (typeof started === 'string') return started;
  return {
    name: 'squid',
    dial: proxyDial({ proxyPort: port, targetPort: o.upstreamPort, ca: ca.certPem }),
    headers: {},
    probe: processTreeProbe(started.proc.pid ?? 0),
    close: started.close,
  };
}
