/**
 * A refusal in git's own protocol. git prints neither a 401's body nor a JSON error; on a smart-HTTP
 * request (https://git-scm.com/docs/http-protocol) it prints an `ERR` packet line as
 * `remote error: <text>`, so that is how the gateway tells a person why and where to connect.
 */

export interface GitRefusal {
  status: 200;
  headers: Record<string, string>;
  body: Buffer;
}

const SERVICES = ['git-upload-pack', 'git-receive-pack'] as const;
type GitService = (typeof SERVICES)[number];

/** One pkt-line: four hex digits of length (themselves included), then the payload. */
function pktLine(payload: string): Buffer {
  const bytes = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from((bytes.length + 4).toString(16).padStart(4, '0'), 'ascii'), bytes]);
}

/** The smart-HTTP exchange a request is, from its path: ref discovery or a service call; null for anything else. */
export function gitExchange(path: string): { service: GitService; discovery: boolean } | null {
  const queryAt = path.indexOf('?');
  const base = queryAt < 0 ? path : path.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : path.slice(queryAt + 1));
  if (base.endsWith('/info/refs')) {
    const service = query.get('service');
    return SERVICES.includes(service as GitService) ? { service: service as GitService, discovery: true } : null;
  }
  const service = SERVICES.find((s) => base.endsWith(`/${s}`));
  return service ? { service, discovery: false } : null;
}

/**
 * The response that makes git print `remote error: <message>` for a smart-HTTP request, or null
 * when `path` is not one (the caller then answers as for any client). Pure.
 */
export function gitRefusal(path: string, message: string): GitRefusal | null {
  const exchange = gitExchange(path);
  if (!exchange) return null;
  const { service, discovery } = exchange;
  // One line: git shows the packet's text after "remote error: ".
  const err = pktLine(`ERR ${message.replace(/[\r\n]+/g, ' ').slice(0, 60_000)}`);
  const body = discovery ? Buffer.concat([pktLine(`# service=${service}\n`), Buffer.from('0000'), err]) : err;
  return {
    status: 200,
    headers: {
      'content-type': `application/x-${service}-${discovery ? 'advertisement' : 'result'}`,
      'content-length': String(body.length),
      'cache-control': 'no-cache',
      'x-should-retry': 'false',
    },
    body,
  };
}
