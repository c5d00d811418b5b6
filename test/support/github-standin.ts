/**
 * ESM source of a test upstream handler that stands in for github.com's git endpoint: real
 * `git http-backend` (smart HTTP) over repositories `o/private.git` and `o/public.git`, and, like
 * GitHub, only Basic credentials: the pair `x-access-token:<token>`. A private repository and
 * any push need it; any other credential fails with 401, also on a public repository.
 */
export function githubStandIn(token: string): string {
  return String.raw`
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const ROOT = '/tmp/git';
const GOOD = 'Basic ' + Buffer.from('x-access-token:' + ${JSON.stringify(token)}).toString('base64');
const env = { ...process.env, HOME: '/tmp', GIT_CONFIG_NOSYSTEM: '1' };
const git = (...args) => execFileSync('git', args, { env, stdio: 'pipe' });
mkdirSync(ROOT + '/o', { recursive: true });
git('init', '-q', '-b', 'main', '/tmp/seed');
git('-C', '/tmp/seed', '-c', 'user.name=seed', '-c', 'user.email=seed@test', 'commit', '-q', '--allow-empty', '-m', 'seed');
for (const repo of ['private', 'public']) {
  git('init', '-q', '--bare', '-b', 'main', ROOT + '/o/' + repo + '.git');
  git('-C', '/tmp/seed', 'push', '-q', ROOT + '/o/' + repo + '.git', 'main');
}

export default (req, res, recorded) => {
  const url = new URL(req.url, 'https://github.com');
  const auth = req.headers.authorization;
  const push = url.pathname.endsWith('/git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack';
  const needed = push || url.pathname.startsWith('/o/private');
  if ((auth !== undefined && auth !== GOOD) || (needed && auth !== GOOD)) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"', 'content-type': 'text/plain' });
    return res.end('Invalid username or token.');
  }
  const cgi = spawn('git', ['http-backend'], {
    env: {
      ...env,
      GIT_PROJECT_ROOT: ROOT,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method,
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      CONTENT_LENGTH: String(recorded.body.length),
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      HTTP_GIT_PROTOCOL: req.headers['git-protocol'] ?? '',
      ...(auth ? { REMOTE_USER: 'x-access-token' } : {}),
    },
  });
  const out = [];
  cgi.stdout.on('data', (d) => out.push(d));
  cgi.stdin.end(recorded.body);
  cgi.on('close', () => {
    const all = Buffer.concat(out);
    const split = all.indexOf('\r\n\r\n') >= 0 ? all.indexOf('\r\n\r\n') : all.indexOf('\n\n');
    const gap = all[split] === 13 ? 4 : 2;
    const headers = {};
    let status = 200;
    for (const line of all.subarray(0, split).toString('latin1').split(/\r?\n/)) {
      const at = line.indexOf(':');
      const name = line.slice(0, at).trim();
      const value = line.slice(at + 1).trim();
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else if (name) headers[name] = value;
    }
    res.writeHead(status, headers);
    res.end(all.subarray(split + gap));
  });
};
`;
}
