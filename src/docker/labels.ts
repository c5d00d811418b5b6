/** Label keys on every resource nanoclaw creates; cleanup and "is this ours" checks read them. */
export const LABEL = {
  managed: 'nanoclaw.managed',
  role: 'nanoclaw.role',
  install: 'nanoclaw.install',
  group: 'nanoclaw.group',
  test: 'nanoclaw.test',
  testRun: 'nanoclaw.test.run',
} as const;

/** `netns`: the container that holds an agent's network namespace (network-holder.ts). */
export type ResourceRole = 'vault' | 'relay' | 'agent' | 'netns' | 'network' | 'volume' | 'image' | 'selftest';

export const DEFAULT_INSTALL = 'default';
const TEST_RUN_ENV = 'NANOCLAW_TEST_RUN_ID';

export interface LabelsInput {
  role: ResourceRole;
  /** Name of the install (several installs may share one engine); default "default". */
  install?: string;
  /** The agent group folder, for agent containers. */
  group?: string;
  /** Where NANOCLAW_TEST_RUN_ID is read from (the command's env); a set id adds the test labels so test cleanup finds the resource. */
  env: Readonly<Record<string, string | undefined>>;
}

/** The labels of a resource we create. Pure. */
export function resourceLabels(input: LabelsInput): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.managed]: '1',
    [LABEL.role]: input.role,
    [LABEL.install]: input.install || DEFAULT_INSTALL,
  };
  if (input.group !== undefined) labels[LABEL.group] = input.group;
  const runId = input.env[TEST_RUN_ENV];
  if (runId) {
    labels[LABEL.test] = '1';
    labels[LABEL.testRun] = runId;
  }
  return labels;
}

/** Docker list filters for our resources of one role (and install, and group when given). */
export function labelFilters(input: Omit<LabelsInput, 'env'>): { label: string[] } {
  const label = [`${LABEL.managed}=1`, `${LABEL.role}=${input.role}`, `${LABEL.install}=${input.install || DEFAULT_INSTALL}`];
  if (input.group !== undefined) label.push(`${LABEL.group}=${input.group}`);
  return { label };
}

/** True when a resource's labels say nanoclaw created it (any role and install). */
export function isManaged(labels: Readonly<Record<string, string>> | null | undefined, role?: string): boolean {
  // A container inherits its image's labels, so a stranger's container built FROM our image
  // says managed=1 too; only the role we set at create time tells ours apart.
  return labels?.[LABEL.managed] === '1' && (role === undefined || labels[LABEL.role] === role);
}
