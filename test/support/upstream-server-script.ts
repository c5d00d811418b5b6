/**
 * Source of the recording HTTPS server run inside a container (plain ESM for the base
 * image's node, no dependencies). Behaves like startTlsUpstream: records every request as a
 * JSON line (body base64) before answering, default answer `{"ok":true,"path":…}`.
 * Env: UPSTREAM_CERT, UPSTREAM_KEY, UPSTREAM_PORT, UPSTREAM_RECORDS (JSONL file),
 * UPSTREAM_READY (file written once listening), UPSTREAM_HANDLER (optional module path).
 */
export const UPSTREAM_SERVER_SCRIPT = String.raw`
import { createServer } from 'node:https';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

const env = process.env;
const echo = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, path: req.url }));
};
const handler = env.UPSTREAM_HANDLER ? (await import(env.UPSTREAM_HANDLER)).default : echo;
let connections = 0;
const ids = new WeakMap();
const server = createServer(
  { cert: readFileSync(env.UPSTREAM_CERT), key: readFileSync(env.UPSTREAM_KEY), ALPNProtocols: ['http/1.1'] },
  (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const rec = {
        method: req.method, url: req.url, httpVersion: req.httpVersion,
        headers: req.headers, rawHeaders: req.rawHeaders,
        servername: typeof req.socket.servername === 'string' ? req.socket.servername : null,
        connection: ids.get(req.socket) ?? 0, receivedAt: Date.now(),
      };
      appendFileSync(env.UPSTREAM_RECORDS, JSON.stringify({ ...rec, body: body.toString('base64') }) + '\n');
      Promise.resolve()
        .then(() => handler(req, res, { ...rec, body }))
        .catch((err) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('test upstream handler failed: ' + String(err));
        });
    });
  },
);
server.on('secureConnection', (s) => ids.set(s, ++connections));
server.keepAliveTimeout = 30000;
server.listen(Number(env.UPSTREAM_PORT), '0.0.0.0', () => writeFileSync(env.UPSTREAM_READY, 'ready\n'));
process.on('SIGTERM', () => process.exit(0));
`;
