import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectBuildContext } from '../../src/docker/build-context-files.js';
import { requireDocker } from '../support/docker-engine.js';
import { ensureProductImages, type ProductImages } from '../support/product-images.js';
import { runContainer } from '../support/run-container.js';

// The vault image's native TLS addon is compiled in its own build stage, for the image's
// platform: the build context carries its sources and no binary from the host, and the gateway
// in the container still runs the native transport.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let docker: Docker;
let images: ProductImages;

beforeAll(async () => {
  docker = await requireDocker();
  images = await ensureProductImages({ docker });
}, 900_000);

describe('the vault image builds its native addon itself', () => {
  it('takes no dist/native and no compiled file from the host, only the addon’s sources', async () => {
    const context = await collectBuildContext({ kind: 'vault', packageRoot: ROOT });
    const paths = context.files.map((f) => f.path);
    expect(paths.filter((p) => p.startsWith('dist/native') || p.endsWith('.node'))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('native/tls-transport/build'))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['native/tls-transport/binding.gyp', 'native/tls-transport/tls-connection.cc', 'scripts/build-native.mjs']));
    // node_modules still holds the production packages' JavaScript.
    expect(paths).toContain('node_modules/zod/package.json');
  });

  it('carries an addon compiled in the image build that loads in the image', async () => {
    const r = await runContainer({
      docker,
      image: images.vault,
      cmd: ['node', '-e', "const a = require('/app/dist/native/tls_transport.node'); console.log(typeof a, require('fs').statSync('/app/dist/native/tls_transport.node').size)"],
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^object \d+$/);
  });

  it('its gateway reports the native TLS transport', async () => {
    const serve = 'node /app/dist/cli/ncl.js vault serve --data-dir /tmp/vault --api-listen 127.0.0.1:10254 --gateway-listen 127.0.0.1:10255';
    const r = await runContainer({ docker, image: images.vault, cmd: ['sh', '-c', `timeout 10 ${serve}; true`] });
    expect(r.stderr).toMatch(/Starting gateway.*tls=native/);
    expect(r.stderr).toMatch(/Started vault/);
    expect(r.stderr).not.toContain('Native TLS transport unavailable');
  });
});
