import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { httpSend } from './http-send.js';

let server: Server | undefined;
afterEach(() => server?.close());

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler).listen(0, '127.0.0.1');
  await new Promise((r) => server!.once('listening', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('httpSend', () => {
  it('sends method, headers and body, and reads status and body in full', async () => {
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(req.url === '/missing' ? 404 : 201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, body }));
      });
    });
    const created = await httpSend(`${url}/x`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{"a":1}', timeoutMs: 5000 });
    expect(created).toMatchObject({ ok: true, status: 201 });
    expect(await created.json()).toEqual({ method: 'POST', auth: 'Bearer k', body: '{"a":1}' });
    const missing = await httpSend(`${url}/missing`, { method: 'GET', headers: {}, timeoutMs: 5000 });
    expect(missing).toMatchObject({ ok: false, status: 404 });
  });

  it('rejects with the socket error, and after the timeout when the answer never completes', async () => {
    const url = await serve((_req, res) => res.write('partial'));
    await expect(httpSend(`${url}/`, { method: 'GET', headers: {}, timeoutMs: 200 })).rejects.toThrow(/within 200 ms/);
    server?.closeAllConnections();
    server?.close();
    await expect(httpSend(url, { method: 'GET', headers: {}, timeoutMs: 5000 })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a body that is not JSON rejects json() but not text()', async () => {
    const url = await serve((_req, res) => res.end('not json'));
    const answer = await httpSend(url, { method: 'GET', headers: {}, timeoutMs: 5000 });
    expect(await answer.text()).toBe('not json');
    await expect(answer.json()).rejects.toThrow();
  });
});
