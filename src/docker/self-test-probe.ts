/**
 * The lockdown self-test as data: which paths out of an agent container must be closed,
 * the `node -e` script that tries them from inside, and the verdict. Pure.
 */

export interface ProbeTarget {
  kind: 'tcp' | 'dns' | 'gateway';
  /** `host:port` for tcp and gateway, a name for dns. */
  target: string;
  /** Why this path matters, for the error message. */
  why: string;
}

export interface ProbeResult {
  kind: ProbeTarget['kind'];
  target: string;
  /** tcp/dns: open = reachable / resolved (an escape); gateway: open = answered 407 (wanted). */
  outcome: 'open' | 'closed';
  detail: string;
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
  add({ kind: 'tcp', target: hostPort(input.gateway.host, input.apiPort), why: 'the vault API' });
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

/** The verdict: any open tcp/dns path is an escape; the gateway must have answered. */
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
const net = require('net'), dns = require('dns');
const plan = JSON.parse(process.argv[1]); const T = Number(process.argv[2]) || 1500;
const split = (t) => { const i = t.lastIndexOf(':'); return [t.slice(0, i).replace(/^\[|\]$/g, ''), Number(t.slice(i + 1))]; };
const timed = (p, r) => Promise.race([p, new Promise((ok) => setTimeout(() => ok(r), T + 500))]);
function tcp(t) {
  const [host, port] = split(t.target);
  return new Promise((ok) => {
    const s = net.connect({ host, port }); let done = false;
    const end = (outcome, detail) => { if (done) return; done = true; s.destroy(); ok({ kind: t.kind, target: t.target, outcome, detail }); };
    s.setTimeout(T, () => end('closed', 'timeout'));
    s.on('connect', () => end('open', 'connected'));
    s.on('error', (e) => end(e.code === 'ECONNREFUSED' ? 'open' : 'closed', e.code || String(e)));
  });
}
function lookup(t) {
  return timed(new Promise((ok) => dns.lookup(t.target, { all: true }, (e, a) =>
    ok({ kind: 'dns', target: t.target, outcome: e ? 'closed' : 'open', detail: e ? e.code : a.map((x) => x.address).join(',') }))),
    { kind: 'dns', target: t.target, outcome: 'closed', detail: 'timeout' });
}
function gateway(t) {
  const [host, port] = split(t.target);
  return new Promise((ok) => {
    const s = net.connect({ host, port }); let buf = ''; let done = false;
    const end = (outcome, detail) => { if (done) return; done = true; s.destroy(); ok({ kind: 'gateway', target: t.target, outcome, detail }); };
    s.setTimeout(T * 2, () => end('closed', 'timeout'));
    s.on('connect', () => s.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
    s.on('data', (d) => { buf += d; const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf); if (m) end(m[1] === '407' ? 'open' : 'closed', 'HTTP ' + m[1]); });
    s.on('error', (e) => end('closed', e.code || String(e)));
  });
}
Promise.all(plan.map((t) => (t.kind === 'tcp' ? tcp(t) : t.kind === 'dns' ? lookup(t) : gateway(t))))
  .then((r) => process.stdout.write(JSON.stringify(r) + '\n'));
`;
