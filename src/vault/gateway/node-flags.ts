/**
 * Node/V8 flags for any process that runs the gateway (the vault container's command,
 * `ncl vault serve`, or NODE_OPTIONS). A streamed body produces mostly off-heap garbage
 * (one decrypted chunk per TLS read) and very little on-heap garbage, so with V8's default
 * young generation (semi-spaces up to 16 MiB) scavenges are rare and ~60 MiB of dead chunks
 * wait to be freed. 2 MiB semi-spaces keep a 1 GiB download within ~20 MiB of RSS growth at
 * the same throughput (measured in test/integration/gateway-memory.test.ts).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
