import { describe, expect, it } from 'vitest';
import { EgressGuard, parseAllowEntry } from './egress-guard.js';

const names: Record<string, string[]> = {
  'public.test': ['93.184.216.34'],
  'rebind.test': ['93.184.216.34', '127.0.0.1'],
  'meta.test': ['169.254.169.254'],
  'ollama.test': ['172.17.0.1'],
  'mapped.test': ['::ffff:10.0.0.5'],
};
const resolve = async (host: string): Promise<string[]> => {
  const found = names[host];
  if (!found) throw new Error('ENOTFOUND');
  return found;
};

describe('EgressGuard', () => {
  it('dials exactly the checked public address', async () => {
    const guard = new EgressGuard({ resolve });
    expect(await guard.check('public.test', 443)).toEqual({ ok: true, address: '93.184.216.34', family: 4 });
  });

  it.each([
    ['rebind.test', 'egress_loopback'],
    ['meta.test', 'egress_link_local'],
    ['mapped.test', 'egress_private'],
    ['10.1.2.3', 'egress_private'],
    ['[::1]', 'egress_loopback'],
    ['0.0.0.0', 'egress_unspecified'],
  ])('refuses %s (%s)', async (host, reason) => {
    const d = await new EgressGuard({ resolve }).check(host, 443);
    expect(d).toMatchObject({ ok: false, status: 403, reason });
  });

  it('refuses the vault own addresses even when public', async () => {
    const guard = new EgressGuard({ resolve, ownAddresses: ['93.184.216.34'] });
    expect(await guard.check('public.test', 443)).toMatchObject({ ok: false, reason: 'egress_own_address' });
  });

  it('allows a private destination listed by name and port, only on that port', async () => {
    const guard = new EgressGuard({ resolve, allowPrivate: ['Ollama.test:11434'] });
    expect(await guard.check('ollama.test', 11434)).toMatchObject({ ok: true, address: '172.17.0.1' });
    expect(await guard.check('ollama.test', 22)).toMatchObject({ ok: false, reason: 'egress_private' });
  });

  it('allows a private destination listed by resolved IP and port', async () => {
    const guard = new EgressGuard({ resolve, allowPrivate: ['172.17.0.1:11434', '[::1]:8080'] });
    expect(await guard.check('ollama.test', 11434)).toMatchObject({ ok: true });
    expect(await guard.check('::1', 8080)).toMatchObject({ ok: true, address: '::1', family: 6 });
  });

  it('answers 502 when the name does not resolve', async () => {
    expect(await new EgressGuard({ resolve }).check('nx.test', 443)).toMatchObject({
      ok: false,
      status: 502,
      reason: 'dns_failure',
    });
  });

  it('refuses localhost through the system resolver', async () => {
    expect(await new EgressGuard().check('localhost', 80)).toMatchObject({ ok: false, status: 403 });
  });
});

describe('parseAllowEntry', () => {
  it('parses names, v4 and bracketed v6', () => {
    expect(parseAllowEntry('host.docker.internal:11434')).toEqual({ host: 'host.docker.internal', port: 11434 });
    expect(parseAllowEntry('[::1]:80')).toEqual({ host: '0:0:0:0:0:0:0:1', port: 80 });
    expect(parseAllowEntry('no-port')).toBeNull();
    expect(parseAllowEntry('h:99999')).toBeNull();
  });
});
