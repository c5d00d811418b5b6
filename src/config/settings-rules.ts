import { SETTING_VARIABLES, type Settings } from './settings-schema.js';

interface Problem {
  variable: string | null;
  message: string;
}

/** Rules that look at several settings at once. */
export function crossFieldProblems(settings: Settings): { warnings: Problem[]; errors: Problem[] } {
  const v = SETTING_VARIABLES;
  const warnings: Problem[] = [];
  const errors: Problem[] = [];
  const warn = (variable: string, message: string) => warnings.push({ variable, message });
  if (settings.remoteApiToken && !settings.remoteApiHost) {
    warn(v.remoteApiToken, `${v.remoteApiToken} is set but ${v.remoteApiHost} is not, so it is not used`);
  }
  if (settings.remoteApiHost && !settings.remoteApiToken) {
    warn(v.remoteApiToken, `${v.remoteApiHost} is set without ${v.remoteApiToken}: the remote vault will refuse the calls`);
  }
  if (settings.remoteGateway && !settings.remoteApiHost) {
    warn(v.remoteGateway, `${v.remoteGateway} is set but ${v.remoteApiHost} is not, so no relay or agent uses it`);
  }
  if (settings.onecliUrl && !settings.onecliApiKey) {
    warn(v.onecliApiKey, `${v.onecliUrl} is set without ${v.onecliApiKey}: the vault API will refuse the calls`);
  }
  const api = settings.vaultListen;
  const gateway = settings.gatewayListen;
  if (api.port !== 0 && api.host === gateway.host && api.port === gateway.port) {
    errors.push({
      variable: v.gatewayListen,
      message: `${v.vaultListen} and ${v.gatewayListen} are both ${api.host}:${api.port}; the API and the gateway need different ports`,
    });
  }
  return { warnings, errors };
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** A warning for each `NANOCLAW_*`/`ONECLI_*` variable that is not a setting but nearly spells one. */
export function likelyTypos(sources: ReadonlyArray<Readonly<Record<string, string | undefined>>>): Problem[] {
  const known: string[] = Object.values(SETTING_VARIABLES);
  const names = new Set(sources.flatMap((s) => Object.keys(s)).filter((n) => /^(?:NANOCLAW|ONECLI)_/.test(n) && !known.includes(n)));
  const out: Problem[] = [];
  for (const name of names) {
    const match = known.find((k) => distance(name, k) <= 2);
    if (match) out.push({ variable: name, message: `${name} is not a setting nanoclaw reads; did you mean ${match}?` });
  }
  return out;
}
