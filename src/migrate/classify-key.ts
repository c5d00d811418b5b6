/** Why a `.env` key stays where it is. */
export type StayReason =
  | 'vault-setting'
  | 'nanoclaw-setting'
  | 'host-channel'
  | 'not-secret'
  | 'empty'
  | 'placeholder'
  | 'unstorable'
  | 'superseded'
  | 'kept'
  | 'conflict-skipped'
  | 'no-host';

// Channel adapters run in the host process and read these from .env; an agent never needs them,
// and moving them would break the channel.
const CHANNEL_PREFIXES: readonly [string, string][] = [
  ['TELEGRAM_', 'Telegram'],
  ['SLACK_', 'Slack'],
  ['DISCORD_', 'Discord'],
  ['WHATSAPP_', 'WhatsApp'],
  ['SIGNAL_', 'Signal'],
  ['MATRIX_', 'Matrix'],
  ['MATTERMOST_', 'Mattermost'],
  ['ZULIP_', 'Zulip'],
  ['IMESSAGE_', 'iMessage'],
  ['TEAMS_', 'Microsoft Teams'],
  ['GOOGLE_CHAT_', 'Google Chat'],
  ['TWILIO_', 'Twilio (SMS)'],
];

/** The reason a key may never move (not even with --map), or undefined when it may. */
export function protectedReason(key: string): { reason: StayReason; detail: string } | undefined {
  if (key.startsWith('ONECLI_')) return { reason: 'vault-setting', detail: 'how nanoclaw reaches the vault' };
  if (key.startsWith('NANOCLAW_')) return { reason: 'nanoclaw-setting', detail: 'a nanoclaw setting, read on the host' };
  const channel = CHANNEL_PREFIXES.find(([prefix]) => key.startsWith(prefix));
  if (channel) return { reason: 'host-channel', detail: `read by the ${channel[1]} channel in the host process, not by agents` };
  return undefined;
}

const SECRET_WORDS = new Set([
  'KEY', 'APIKEY', 'TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'PASS', 'PAT', 'CREDENTIAL', 'CREDENTIALS', 'AUTH', 'BEARER', 'COOKIE',
]);
// Glued names like MYAPIKEY or GITHUBTOKEN; not TOKENIZER.
const SECRET_NAME_PART = /API_?KEY|TOKEN$|SECRET|PASSWORD/;
// Shapes of well-known credentials, for values whose key name does not say what they are.
const SECRET_VALUE = /^(sk-|sk_live_|rk_live_|ghp_|gho_|ghu_|ghs_|github_pat_|glpat-|xox[abprs]-|xapp-|AIza|hf_|r8_|pplx-|gsk_|tvly-|AKIA|ya29\.)/;

/** True when the name or the value looks like a credential. Pure heuristics; never sees the value leave. */
export function looksSecret(key: string, value: string): boolean {
  if (SECRET_VALUE.test(value)) return true;
  // A number, a boolean, a path or a plain URL is a setting whatever the name says (MAX_TOKENS=4096).
  if (/^(\d+|true|false|yes|no|on|off)$/i.test(value)) return false;
  if (/^(\/|\.\/|~\/)/.test(value)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\/[^@\s]*$/i.test(value)) return false;
  const upper = key.toUpperCase();
  // The last word names what the variable is (ACME_KEY, DB_PASS); KEY_NAME or AUTH_MODE are settings.
  if (SECRET_WORDS.has(upper.split(/[_.-]/).at(-1) ?? '')) return true;
  return SECRET_NAME_PART.test(upper);
}

/** Why a value cannot become a vault secret (the vault stores one line of at most 64 KiB), or undefined. */
export function unstorableReason(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return 'the value spans several lines; the vault stores one-line values';
  if (value.includes('\0')) return 'the value contains a NUL character';
  if (value.length > 65_536) return 'the value is longer than 64 KiB';
  return undefined;
}
