import { NanoclawError } from '../../common/errors.js';
import { PLACEHOLDER } from '../../common/placeholder.js';
import { ALWAYS_STUBS, KNOWN_SERVICES, placeholderVariables, serviceHosts } from '../../config/known-services.js';
import { hostMatches } from '../inject/host-pattern.js';
import type { Secret } from '../model/records.js';
import type { VaultStore } from '../store/types.js';
import { notFound } from './api-errors.js';
import { sendJson } from './http-io.js';
import type { Route } from './router.js';
import { CA_CONTAINER_PATH, DEFAULT_CONTAINER_GATEWAY_URL, type ContainerConfig } from './schemas.js';


export interface ContainerConfigOptions {
  store: VaultStore;
  caPem: () => string | null;
  /** How containers reach the gateway, e.g. http://gateway:10255 on the lockdown network. */
  containerGatewayUrl?: string;
}

/** The proxy URL carrying the agent's token as Basic credentials (`x:<token>`), the form OneCLI uses. */
export function proxyUrl(gatewayUrl: string, token: string): string {
  const url = new URL(gatewayUrl);
  url.username = 'x';
  url.password = token;
  return url.href.replace(/\/$/, '');
}

function grantedFor(service: (typeof KNOWN_SERVICES)[number], granted: Secret[]): Secret[] {
  return granted.filter((s) => serviceHosts(service).some((h) => hostMatches(s.hostPattern, h)));
}

/**
 * Every known client's variable set to the placeholder, granted or not, so that each client starts
 * and reaches the gateway (which injects, or answers `app_not_connected` with the connect URL). A
 * granted OAuth-shaped Anthropic value swaps its API-key variable for the OAuth one (Claude Code
 * then speaks OAuth).
 */
function placeholderEnv(store: VaultStore, granted: Secret[]): Record<string, string> {
  const env = Object.fromEntries(placeholderVariables().map((name) => [name, PLACEHOLDER]));
  for (const service of KNOWN_SERVICES.filter((s) => s.oauthVariable)) {
    const matching = grantedFor(service, granted);
    const secret = matching.find((s) => s.type === 'anthropic') ?? matching[0];
    if (secret?.type !== 'anthropic' || !(store.secrets.reveal(secret.id) ?? '').startsWith('sk-ant-oat')) continue;
    for (const name of service.clientVariables ?? []) delete env[name];
    env[service.oauthVariable!] = PLACEHOLDER;
  }
  return env;
}

/** Stub templates: those every agent gets, and those of the services the agent holds a secret for. */
function stubsFor(granted: Secret[]): string[] {
  const named = KNOWN_SERVICES.filter((s) => grantedFor(s, granted).length > 0).flatMap((s) => s.stubs ?? []);
  return [...new Set([...ALWAYS_STUBS, ...named])];
}

/** Builds the container config of one agent, minting a fresh token (the previous one stops working). */
export function buildContainerConfig(options: ContainerConfigOptions, identifier: string): ContainerConfig {
  const { store } = options;
  const agent = store.agents.getByIdentifier(identifier) ?? store.agents.get(identifier);
  if (!agent) throw notFound('agent', identifier);
  const caCertificate = options.caPem();
  if (!caCertificate) {
    throw new NanoclawError('no_ca', 'The vault has no CA yet', { details: { status: 503 }, hint: 'Restart the vault: ncl vault up' });
  }
  const minted = store.agents.regenerateToken(agent.id);
  if (!minted) throw notFound('agent', identifier);
  const gatewayUrl = options.containerGatewayUrl ?? DEFAULT_CONTAINER_GATEWAY_URL;
  const proxy = proxyUrl(gatewayUrl, minted.token);
  const granted = store.agents.grantedSecrets(agent.id);
  return {
    env: {
      HTTPS_PROXY: proxy,
      HTTP_PROXY: proxy,
      https_proxy: proxy,
      http_proxy: proxy,
      NODE_EXTRA_CA_CERTS: CA_CONTAINER_PATH,
      NODE_USE_ENV_PROXY: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_HTTP_PROXY_AUTHMETHOD: 'basic',
      ...placeholderEnv(store, granted),
    },
    caCertificate,
    caCertificateContainerPath: CA_CONTAINER_PATH,
    stubs: stubsFor(granted),
    gatewayHost: new URL(gatewayUrl).host,
  };
}

/** `GET /v1/container-config?agent=<identifier>`: what a container needs to run behind the gateway. */
export function containerConfigRoutes(options: ContainerConfigOptions): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/container-config',
      handler: ({ res, query }) => {
        const identifier = query.get('agent')?.trim();
        if (!identifier) {
          throw new NanoclawError('validation_error', 'query.agent: give the agent identifier, e.g. ?agent=my-group', {
            details: { field: 'agent' },
          });
        }
        res.setHeader('cache-control', 'no-store');
        sendJson(res, 200, buildContainerConfig(options, identifier));
      },
    },
  ];
}
