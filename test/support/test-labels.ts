import { randomBytes } from 'node:crypto';

/** Every resource a test creates carries this label, so cleanup never touches anything else. */
export const TEST_LABEL = 'nanoclaw.test';
/** Scopes a resource to one test run, so parallel runs on one machine never clean up each other. */
export const RUN_LABEL = 'nanoclaw.test.run';
/** Marks the cached base image; it deliberately has no run label, so run cleanup keeps it. */
export const BASE_LABEL = 'nanoclaw.test.base';

// The id travels in the environment so vitest workers and CLI subprocesses share the
// one chosen by the global setup (they inherit process.env from it).
const RUN_ID_ENV = 'NANOCLAW_TEST_RUN_ID';

/** The id of this test run: NANOCLAW_TEST_RUN_ID if set, else a fresh one (then exported). */
export function testRunId(): string {
  const existing = process.env[RUN_ID_ENV];
  if (existing) return existing;
  const id = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  process.env[RUN_ID_ENV] = id;
  return id;
}

/** Labels for a resource created by a test of run `runId` (default: this run). */
export function testLabels(runId: string = testRunId()): Record<string, string> {
  return { [TEST_LABEL]: '1', [RUN_LABEL]: runId };
}

/** Docker list filter matching the resources of one run, or of every run when runId is '*'. */
export function testLabelFilters(runId: string = testRunId()): { label: string[] } {
  const label = [`${TEST_LABEL}=1`];
  if (runId !== '*') label.push(`${RUN_LABEL}=${runId}`);
  return { label };
}

/** A unique, Docker-safe resource name for this run, e.g. `nanoclaw-test-upstream-<run>-<rand>`. */
export function testResourceName(purpose: string, runId: string = testRunId()): string {
  const safe = `${purpose}-${runId}`.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-');
  return `nanoclaw-test-${safe}-${randomBytes(3).toString('hex')}`;
}
