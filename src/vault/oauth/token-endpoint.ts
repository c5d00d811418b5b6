import https from 'node:https';
import tls from 'node:tls';

export interface TokenEndpointAnswer {
  status: number;
  body: string;
}

/** Posts a form to a token endpoint (RFC 6749 §3.2); rejects on a network failure or after `timeoutMs`. */
export type PostForm = (o: { url: string; form: Record<string, string> }) => Promise<TokenEndpointAnswer>;

const MAX_BODY = 64 * 1024;

/** The real one: HTTPS, trusting the bundled roots and `extraCaPem` (as the gateway does for upstreams). */
export function httpsPostForm(options: { extraCaPem?: readonly string[]; timeoutMs?: number } = {}): PostForm {
  const ca = [...tls.rootCertificates, ...(options.extraCaPem ?? [])];
  const timeoutMs = options.timeoutMs ?? 15_000;
  return ({ url, form }) =>
    new Promise((resolve, reject) => {
      const body = new URLSearchParams(form).toString();
      const req = https.request(url, {
        method: 'POST',
        ca,
        timeout: timeoutMs,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          // GitHub answers form-encoded unless asked for JSON.
          accept: 'application/json',
        },
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error('token endpoint answer too large'));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.end(body);
    });
}
