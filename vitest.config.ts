import { defineConfig } from 'vitest/config';

// Unit tests sit next to the code; integration and e2e tests use real Docker,
// TLS and the keyring, so they get longer timeouts and run with fewer workers.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/arch/**/*.test.ts', 'bench/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        // The gateway suite again with Node's own TLS (the fallback where the native transport
        // is not built), so both transports keep the same behaviour.
        test: {
          name: 'gateway-node-tls',
          include: ['test/integration/gateway-*.test.ts'],
          env: { NANOCLAW_GATEWAY_TLS: 'node' },
          testTimeout: 180_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
