/**
 * The value an agent's environment and credential stubs hold where a credential would be
 * (OneCLI's word for it). The gateway replaces it in flight with the secret's value; a stub file
 * without it holds real credentials and is never overwritten; the migration leaves a `.env` entry
 * holding it where it is. Defined here once: the gateway, the launcher, the migration and the
 * native fast lane (which receives it at load, native-tls/binding.ts) all read this one.
 */
export const PLACEHOLDER = 'onecli-managed';
