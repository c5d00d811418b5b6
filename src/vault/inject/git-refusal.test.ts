import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { gitExchange, gitRefusal } from './git-refusal.js';

const run = promisify(execFile);
const MESSAGE = 'github.com answered unauthorized and no credential for it is connected to this agent; ask the user to connect one at http://127.0.0.1:10254/connect?host=github.com';

describe('gitExchange', () => {
  it('tells smart-HTTP requests from the rest', () => {
    expect(gitExchange('/o/r.git/info/refs?service=git-upload-pack')).toEqual({ service: 'git-upload-pack', discovery: true });
    expect(gitExchange('/o/r/info/refs?service=git-receive-pack')).toEqual({ service: 'git-receive-pack', discovery: true });
    expect(gitExchange('/o/r.git/git-upload-pack')).toEqual({ service: 'git-upload-pack', discovery: false });
    for (const path of ['/o/r.git/info/refs', '/o/r.git/info/refs?service=evil', '/repos/o/r', '/git-upload-pack-x', '/v1/messages']) {
      expect(gitExchange(path), path).toBeNull();
    }
  });
});

describe('gitRefusal', () => {
  it('frames the advertisement as pkt-lines with the ERR line last', () => {
    const r = gitRefusal('/o/r.git/info/refs?service=git-upload-pack', 'no\nway');
    expect(r?.headers['content-type']).toBe('application/x-git-upload-pack-advertisement');
    expect(r?.body.toString()).toBe('001e# service=git-upload-pack\n0000000eERR no way');
    expect(gitRefusal('/v1/messages', 'x')).toBeNull();
  });

  it.each([
    ['clone', (url: string) => ['clone', url, join(tmpdir(), `never-cloned-${process.pid}`)]],
    ['push', (url: string) => ['push', url, 'HEAD:main']],
  ])('makes the real git print the reason and the connect URL on %s', async (_name, args) => {
    const server = createServer((req, res) => {
      const r = gitRefusal(req.url ?? '/', MESSAGE);
      if (!r) return void res.writeHead(404).end();
      res.writeHead(r.status, r.headers).end(r.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/o/r.git`;
      const failed = await run('git', args(url), { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, cwd: process.cwd() }).then(
        () => null,
        (err: { stderr: string }) => err.stderr,
      );
      expect(failed).toContain(`remote error: ${MESSAGE}`);
    } finally {
      server.close();
    }
  });
});
