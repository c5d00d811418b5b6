/**
 * The lockdown self-test as data: which paths out of an agent container must be closed,
 * the `node -e` script that tries them from inside, and the verdict. Pure.
 */

export interface ProbeTarget {
  /** tcp: any answer (even a refusal) proves a route; http: an HTTP answer; dns: a resolution; gateway: its 407. */
  kind: 'tcp' | 'http' | 'dns' | 'gateway';
  /** `host:port` for tcp, http and gateway, a name for dns. */
  target: string;
  /** Why this path matters, for the error message. */
  why: string;
}

export interface ProbeResult {
  kind: ProbeTarget['kind'];
  target: string;
  /** tcp/http/dns: open = reachable / answered / resolved (an escape); gateway: open = answered 407 (wanted). */
  outcome: 'open' | 'closed';
  detail: string;
  /** How long the attempt took. */
  ms?: number;
}

export interface SelfTestPlanInput {
  /** The host's own interface addresses (os.networkInterfaces, loopback excluded). */
  hostAddresses: readonly string[];
  /** Gateway addresses of every Docker network (the host's side of each bridge). */
  bridgeGateways: readonly string[];
  /** Addresses of containers on other networks (e.g. the vault on the outbound network). */
  otherContainers: readonly string[];
  /** Where the agent's proxy is (`gateway:10255`). */
  gateway: { host: string; port: number };
  /** The vault API port: never reachable from an agent, not even on the gateway's address. */
  apiPort: number;
  /** Host services worth knocking on; a refused connection also proves a route exists. */
  ports?: readonly number[];
}

export const DEFAULT_PROBE_PORTS = [22, 53, 80, 443, 2375, 2376, 10254, 10255];
export const EXTERNAL_NAMES = ['example.com', 'api.anthropic.com', 'github.com'];

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** Every path the self-test tries, deduplicated. */
export function selfTestPlan(input: SelfTestPlanInput): ProbeTarget[] {
  const ports = input.ports ?? DEFAULT_PROBE_PORTS;
  const out = new Map<string, ProbeTarget>();
  const add = (t: ProbeTarget) => out.has(`${t.kind} ${t.target}`) || out.set(`${t.kind} ${t.target}`, t);
  for (const ip of input.hostAddresses) for (const p of ports) add({ kind: 'tcp', target: hostPort(ip, p), why: 'a host address' });
  for (const ip of input.bridgeGateways) for (const p of ports) add({ kind: 'tcp', target: hostPort(ip, p), why: 'a Docker bridge gateway (the host)' });
  for (const ip of input.otherContainers) for (const p of [80, 443, 10254, 10255]) add({ kind: 'tcp', target: hostPort(ip, p), why: 'a container on another network' });
  add({ kind: 'tcp', target: '169.254.169.254:80', why: 'the cloud metadata service' });
  add({ kind: 'tcp', target: '1.1.1.1:443', why: 'a public IP' });
  add({ kind: 'tcp', target: '8.8.8.8:53', why: 'a public DNS server' });
  // The gateway's own address is on the agent's subnet, so a refusal there is expected (the vault
  // binds its API only to loopback and the host-facing address): ask for an HTTP answer.
  add({ kind: 'http', target: hostPort(input.gateway.host, input.apiPort), why: 'the vault API' });
  for (const name of EXTERNAL_NAMES) add({ kind: 'dns', target: name, why: 'an external DNS name' });
  add({ kind: 'gateway', target: hostPort(input.gateway.host, input.gateway.port), why: 'the gateway' });
  return [...out.values()];
}

export interface SelfTestVerdict {
  ok: boolean;
  /** Paths that were open, each as `target (why: detail)`. */
  escapes: string[];
  /** Set when the gateway did not answer 407. */
  gatewayProblem: string | null;
}

/** The verdict: any open tcp/http/dns path is an escape; the gateway must have answered. */
export function judgeSelfTest(plan: readonly ProbeTarget[], results: readonly ProbeResult[]): SelfTestVerdict {
  const byKey = new Map(results.map((r) => [`${r.kind} ${r.target}`, r]));
  const escapes: string[] = [];
  let gatewayProblem: string | null = null;
  for (const t of plan) {
    const r = byKey.get(`${t.kind} ${t.target}`);
    if (t.kind === 'gateway') {
      if (r?.outcome !== 'open') gatewayProblem = `the gateway at ${t.target} did not answer (${r?.detail ?? 'not tried'})`;
    } else if (!r) escapes.push(`${t.target} (${t.why}: not tried)`);
    else if (r.outcome === 'open') escapes.push(`${t.target} (${t.why}: ${r.detail})`);
  }
  return { ok: escapes.length === 0 && gatewayProblem === null, escapes, gatewayProblem };
}

/**
 * Runs inside the agent container as `node -e PROBE_SCRIPT <plan json> <timeout ms>` and prints one JSON
 * array of ProbeResult. Plain sockets on purpose: proxy variables must not help. A refused
 * TCP connection counts as open, since something on that address answered.
 */
export const PROBE_SCRIPT = String.raw`
const net = require('net'), dns = require('dns'), fs = require('fs');
const plan = JSON.parse(process.argv[1]); const T = Number(process.argv[2]) || 1500;
const split = (t) => { const i = t.lastIndexOf(':'); return [t.slice(0, i).replace(/^\[|\]$/g, ''), Number(t.slice(i + 1))]; };
function socket(t, request, onData) {
  const [host, port] = split(t.target);
  return new Promise((ok) => {
    const s = net.connect({ host, port }); let done = false; let buf = ''; const t0 = Date.now();
    const end = (outcome, detail) => { if (done) return; done = true; s.destroy(); ok({ kind: t.kind, target: t.target, outcome, detail, ms: Date.now() - t0 }); };
    s.setTimeout(t.kind === 'tcp' ? T : T * 2, () => end('closed', 'timeout'));
    s.on('connect', () => (request ? s.write(request) : end('open', 'connected')));
    s.on('data', (d) => { buf += d; const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf); if (m) onData(m[1], end); });
    s.on('error', (e) => end(t.kind === 'tcp' && e.code === 'ECONNREFUSED' ? 'open' : 'closed', e.code || String(e)));
    s.on('close', () => end('closed', 'closed without an answer'));
  });
}
const probe = {
  tcp: (t) => socket(t, null),
  http: (t) => socket(t, 'GET /api/health HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n', (code, end) => end('open', 'HTTP ' + code)),
  gateway: (t) => socket(t, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', (code, end) => end(code === '407' ? 'open' : 'closed', 'HTTP ' + code)),
  // c-ares, not getaddrinfo: a lookup that hangs would hold a libuv thread and delay exit.
  dns: (t) => new Promise((ok) => {
    const r = new dns.Resolver({ timeout: T, tries: 1 }); const t0 = Date.now();
    r.resolve4(t.target, (e, a) => ok({ kind: 'dns', target: t.target, outcome: e ? 'closed' : 'open', detail: e ? e.code : a.join(','), ms: Date.now() - t0 }));
  }),
};
Promise.all(plan.map((t) => probe[t.kind](t))).then((results) => {
  fs.writeSync(1, JSON.stringify(results) + '\n');
  process.exit(0);
});
`;
