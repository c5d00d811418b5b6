import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';

describe('upstreamRequestHeaders', () => {
  it('drops the agent token, hop-by-hop headers and those named in Connection', () => {
    const out = upstreamRequestHeaders({
      host: 'api.test',
      'proxy-authorization': 'Basic eDphb2NfeA==',
      connection: 'keep-alive, x-private',
      'x-private': 'hop',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      accept: 'application/json',
    });
    expect(out).toEqual({ host: 'api.test', accept: 'application/json' });
  });

  it('re-declares a chunked body and keeps a WebSocket upgrade only when asked', () => {
    const headers = { host: 'a', 'transfer-encoding': 'chunked', connection: 'Upgrade', upgrade: 'websocket' };
    expect(upstreamRequestHeaders(headers)).toEqual({ host: 'a', 'transfer-encoding': 'chunked' });
    expect(upstreamRequestHeaders(headers, { upgrade: true })).toMatchObject({
      connection: 'Upgrade',
      upgrade: 'websocket',
    });
  });
});

describe('clientResponseHeaders', () => {
  it('keeps end-to-end headers including repeated set-cookie', () => {
    const out = clientResponseHeaders({
      'content-type': 'text/plain',
      'set-cookie': ['a=1', 'b=2'],
      'transfer-encoding': 'chunked',
      connection: 'close',
    });
    expect(out).toEqual({ 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] });
  });
});
