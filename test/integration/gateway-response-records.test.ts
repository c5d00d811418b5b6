import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { interceptedSuite, mitmSocket } from './gateway-harness.js';

// A small response (head, body and end in one upstream read) must reach the agent in one TLS
// record: a second record for the last chunk wakes the agent twice per request, which under load
// cost the bench's lean client half again its CPU per request.
const s = interceptedSuite('records', {
    handler: (req, res) => {
      const body = JSON.stringify({ ok: true, path: req.url });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
  });

/** Reads one chunked or Content-Length response, counting the 'data' events (one per TLS record). */
function readCounting(socket: TLSSocket): Promise<{ text: string; events: number }> {
  return new Promise((resolve, reject) => {
    let text = '';
    let events = 0;
    const complete = (): boolean => {
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const length = /content-length: (\d+)/i.exec(text.slice(0, end));
      return length ? text.length - end - 4 >= Number(length[1]) : text.endsWith('\r\n0\r\n\r\n');
    };
    const onData = (d: Buffer): void => {
      events++;
      text += d.toString('latin1');
      if (!complete()) return;
      socket.off('data', onData);
      resolve({ text, events });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${JSON.stringify(text)}`)));
  });
}

describe('a small response', () => {
  it('reaches the agent in one TLS record, request after request', async () => {
    const socket = await mitmSocket(s.h, s.token, s.target);
    for (let i = 0; i < 5; i++) {
      socket.write(`GET /small/${i} HTTP/1.1\r\nHost: ${s.target}\r\n\r\n`);
      const r = await readCounting(socket);
      expect(r.text).toMatch(/^HTTP\/1\.1 200 /);
      expect(r.text).toContain(`/small/${i}`);
      expect(r.events).toBe(1);
    }
    socket.destroy();
  });
});
