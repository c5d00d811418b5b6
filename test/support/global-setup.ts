import { cleanupTestResources, requireDocker } from './docker-engine.js';
import { rmSync } from 'node:fs';
import { toolchainRefFile } from './product-images.js';
import { testRunId } from './test-labels.js';

// vitest globalSetup of the integration project. It runs in the main process before the
// workers start, so the run id exported here is inherited by every worker and subprocess.
// Cheap on purpose: no Docker until teardown, and the base image is built lazily by the
// first test that asks for it.

/** Fixes this run's id (NANOCLAW_TEST_RUN_ID) before any worker starts. */
export function setup(): void {
  testRunId();
}

/** Best-effort removal of everything this run labelled; silent when Docker is unreachable. */
export async function teardown(): Promise<void> {
  const runId = testRunId();
  rmSync(toolchainRefFile(runId), { force: true });
  let docker;
  try {
    docker = await requireDocker();
  } catch {
    return; // tests that needed Docker already failed and said how to start it
  }
  try {
    const removed = await cleanupTestResources(runId, docker);
    const total = removed.containers + removed.networks + removed.volumes + removed.images;
    if (total > 0) {
      process.stderr.write(
        `nanoclaw test teardown: removed ${removed.containers} containers, ${removed.networks} networks, ` +
          `${removed.volumes} volumes, ${removed.images} images left by run ${runId}\n`,
      );
    }
  } catch (err) {
    process.stderr.write(`nanoclaw test teardown: cleanup of run ${runId} failed: ${String(err)}\n`);
  }
}
