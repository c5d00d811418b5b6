/** What the wizard did, for the last screen and `--json`; never a secret value. */
export interface SetupSummary {
  vault: { path: 'fresh' | 'reuse' | 'remote'; url: string; container?: string; id?: string; action?: string } | null;
  auth: { status: 'stored' | 'present' | 'skipped'; method?: string; secret?: string; hostPattern?: string } | null;
  group: { identifier: string; name: string; folder: string; created: boolean; granted: string[] } | null;
  lockdown: boolean;
  verified: boolean;
  /** Steps this run skipped because an earlier run (or the world) already had them done. */
  skipped: string[];
  warnings: string[];
}

export const emptySummary = (): SetupSummary => ({ vault: null, auth: null, group: null, lockdown: false, verified: false, skipped: [], warnings: [] });

/**
 * The commands to run next, in order. Pure. `ncl` is how the user runs the CLI: this checkout's
 * `./ncl` launcher (which finds the Node that setup.sh installed) or `ncl` on PATH.
 */
export function nextCommands(s: SetupSummary, ncl = 'ncl'): string[] {
  const out: string[] = [];
  if (s.auth?.status === 'skipped') {
    out.push(`printf %s "$ANTHROPIC_API_KEY" | ${ncl} secrets create --name Anthropic --type anthropic --host-pattern api.anthropic.com --value-stdin`);
    if (s.group) out.push(`${ncl} agents grant --id ${s.group.identifier} --secret-ids <id from ${ncl} secrets list>`);
  }
  if (s.group) out.push(`${ncl} launch ${s.group.folder}`);
  out.push(`${ncl} init-onecli --dry-run   # see which keys in .env would move into the vault`);
  if (!s.lockdown) out.push(`${ncl} lockdown on   # agents reach only the gateway`);
  out.push(`${ncl} vault status`);
  return out;
}

/** The closing text for people. Pure. */
export function formatSummary(s: SetupSummary, ncl = 'ncl'): string {
  const lines = ['', 'nanoclaw is set up.'];
  if (s.vault) {
    const where = s.vault.container ? ` (container ${s.vault.container}${s.vault.action ? `, ${s.vault.action}` : ''})` : '';
    lines.push(`  Vault:   ${s.vault.url}, ${s.vault.path === 'reuse' ? 'existing vault reused' : s.vault.path === 'remote' ? 'remote vault' : 'local install'}${where}`);
  }
  if (s.auth) {
    const how =
      s.auth.status === 'stored' ? `stored as secret "${s.auth.secret}" for ${s.auth.hostPattern} (${s.auth.method})` : s.auth.status === 'present' ? 'the vault already holds an Anthropic credential' : 'skipped: no credential stored';
    lines.push(`  Claude:  ${how}`);
  }
  if (s.group) {
    const grants = s.group.granted.length > 0 ? `, granted ${s.group.granted.join(', ')}` : '';
    lines.push(`  Agent:   ${s.group.name} (${s.group.identifier}) in groups/${s.group.folder}${s.group.created ? ', created' : ''}${grants}`);
  }
  lines.push(`  Lockdown: ${s.lockdown ? 'on' : 'off'}`, `  Checked: ${s.verified ? 'vault health, API key and the agent’s container config' : 'not verified'}`);
  for (const w of s.warnings) lines.push(`  Warning: ${w}`);
  lines.push('', 'Next:', ...nextCommands(s, ncl).map((c) => `  ${c}`));
  return lines.join('\n');
}
