/** The vault's fixed ports (OneCLI's): the API and dashboard, and the gateway agents use as their proxy. */
export const VAULT_API_PORT = 10254;
export const VAULT_GATEWAY_PORT = 10255;
