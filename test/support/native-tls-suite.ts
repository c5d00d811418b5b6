import { afterAll, beforeAll } from 'vitest';
import { createCa, issueLeaf } from '../../src/vault/ca/ca.js';
import { NativeTls } from '../../src/vault/gateway/native-tls/native-tls.js';
import { adoptedPair, connectTo, type Bench } from './native-tls-peers.js';

/**
 * What every native transport test file shares: a CA with a leaf for the adopted (server)
 * side and one for upstreams, the loaded addon with a context for each side, and cleanup of
 * every server and connection after the file. Call once at the top of a test file.
 */
export function nativeTlsSuite() {
  const ca = createCa();
  const leaf = issueLeaf({ ca, host: 'api.example.test' });
  const upstreamLeaf = issueLeaf({ ca, host: 'upstream.test' });
  let native: NativeTls | undefined;
  let bench: Bench | undefined;
  beforeAll(() => {
    const loaded = NativeTls.load();
    if ('error' in loaded) throw new Error(`the native TLS transport is not available: ${loaded.error}`);
    native = loaded;
    bench = { native, serverCtx: native.serverContext(leaf), clientCtx: native.clientContext([ca.certPem]), cleanups: [],
      caPem: ca.certPem, leafHost: 'api.example.test' };
  });
  afterAll(async () => {
    for (const cleanup of bench?.cleanups.reverse() ?? []) await cleanup();
    if (bench) {
      native?.freeContext(bench.serverCtx);
      native?.freeContext(bench.clientCtx);
    }
  });
  const the = (): Bench => {
    if (!bench) throw new Error('nativeTlsSuite: used outside a test');
    return bench;
  };
  return {
    ca,
    leaf,
    upstreamLeaf,
    native: (): NativeTls => the().native,
    bench: the,
    /** A Node TLS client and the addon's adopted server side, connected. */
    pair: (o: Parameters<typeof adoptedPair>[1] = {}) => adoptedPair(the(), o),
    /** The addon's client side, dialling a Node TLS server on 127.0.0.1. */
    dial: (port: number, o: { servername?: string; verifyName?: string; context?: number } = {}) =>
      connectTo(the(), port, { servername: 'upstream.test', verifyName: 'upstream.test', ...o }),
    /** Closes `server` after the file. */
    track: <T extends { close(): Promise<void> }>(server: T): T => (the().cleanups.push(() => server.close()), server),
  };
}
