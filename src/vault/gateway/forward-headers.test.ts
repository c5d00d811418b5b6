import { describe, expect, it } from 'vitest';
import { clientResponseHeaderList, headerOf, upstreamRequestHeaders, withoutHeaders } from './forward-headers.js';

describe('upstreamRequestHeaders', () => {
  it('drops the agent token, hop-by-hop headers and those named in Connection', () => {
    const out = upstreamRequestHeaders([
      'Host', 'api.test',
      'Proxy-Authorization', 'Basic eDphb2NfeA==',
      'Connection', 'keep-alive, X-Private',
      'x-private', 'hop',
      'Keep-Alive', 'timeout=5',
      'TE', 'trailers',
      'Accept', 'application/json',
    ]);
    expect({ ...out }).toEqual({ host: 'api.test', accept: 'application/json' });
  });

  it('keeps headers named like prototype properties, once each, in a map without a prototype', () => {
    const out = upstreamRequestHeaders(['Host', 'a', '__proto__', 'p', 'Constructor', 'c', 'toString', 't', 'hasOwnProperty', 'h']);
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(Object.entries(out)).toEqual([['host', 'a'], ['__proto__', 'p'], ['constructor', 'c'], ['tostring', 't'], ['hasownproperty', 'h']]);
  });

  it('re-declares a chunked body and keeps a WebSocket upgrade only when asked', () => {
    const headers = ['host', 'a', 'Transfer-Encoding', 'chunked', 'Connection', 'Upgrade', 'Upgrade', 'websocket'];
    expect({ ...upstreamRequestHeaders(headers) }).toEqual({ host: 'a', 'transfer-encoding': 'chunked' });
    expect(upstreamRequestHeaders(headers, { upgrade: true })).toMatchObject({
      connection: 'Upgrade',
      upgrade: 'websocket',
    });
  });
});

describe('clientResponseHeaderList', () => {
  it('keeps raw names and order, drops hop-by-hop headers and those named in Connection', () => {
    const raw = ['Content-Type', 'text/plain', 'Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'];
    expect(clientResponseHeaderList(raw)).toEqual(['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
  });

  it('reads and removes headers by lower-case name, joining repeats only when asked', () => {
    const list = ['Content-Encoding', 'gzip', 'content-encoding', 'br', 'Content-Length', '9'];
    expect(headerOf(list, 'content-encoding')).toBe('gzip');
    expect(headerOf(list, 'content-encoding', { join: true })).toBe('gzip, br');
    expect(headerOf(list, 'x-none')).toBeUndefined();
    expect(withoutHeaders(list, ['content-length'])).toEqual(['Content-Encoding', 'gzip', 'content-encoding', 'br']);
  });
});
