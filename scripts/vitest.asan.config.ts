import { defineConfig } from 'vitest/config';

// For scripts/native-asan.sh: the files it names, without the integration project's global
// setup (Docker images), one file at a time like the integration project.
export default defineConfig({
  test: {
    include: (process.env.VT_INCLUDE ?? '').split(',').filter(Boolean),
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    env: { NANOCLAW_GATEWAY_TLS: 'native' },
  },
});
