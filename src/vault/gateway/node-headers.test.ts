import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { nodeHeaders } from './node-headers.js';

/** What Node's own parser makes of `raw` (the reference the native path must match). */
async function nodeParsed(rawHead: string): Promise<http.IncomingHttpHeaders> {
  const server = http.createServer((req, res) => {
    res.end(JSON.stringify(req.headers));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(rawHead));
      let data = '';
      socket.on('data', (d) => (data += d.toString('latin1')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '')) as http.IncomingHttpHeaders;
  } finally {
    server.close();
  }
}

describe('nodeHeaders', () => {
  it('combines duplicates exactly as Node does', async () => {
    const raw = [
      'Host', 'a.test', 'HOST', 'b.test',
      'Accept', 'text/html', 'accept', 'application/json',
      'Cookie', 'a=1', 'cookie', 'b=2',
      'Set-Cookie', 'x=1', 'set-cookie', 'y=2',
      'Authorization', 'first', 'authorization', 'second',
      'X-Custom', 'one', 'x-custom', 'two',
      'Content-Type', 'text/plain', 'content-type', 'text/html',
      'Connection', 'close',
    ];
    let head = 'GET / HTTP/1.1\r\n';
    for (let i = 0; i < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
    const expected = await nodeParsed(`${head}\r\n`);
    expect({ ...nodeHeaders(raw) }).toEqual(expected);
    expect(nodeHeaders(raw).host).toBe('a.test');
    expect(nodeHeaders(raw).accept).toBe('text/html, application/json');
    expect(nodeHeaders(raw)['set-cookie']).toEqual(['x=1', 'y=2']);
  });

  it('gives no inherited properties to a header named like one', () => {
    const h = nodeHeaders(['constructor', 'x', '__proto__', 'y']);
    expect(h['constructor' as keyof typeof h]).toBe('x');
    expect(Object.getPrototypeOf(h)).toBeNull();
  });
});
