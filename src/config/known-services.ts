/**
 * The one catalogue of the services nanoclaw knows: where each one's API lives, how each host takes
 * its token, which variables its clients read, and which stubs it wants. The gateway (which hosts
 * it intercepts, the form it injects), the vault's container config (placeholder variables, stubs),
 * the launcher and `ncl init-onecli` (which `.env` keys move where) all read this table. Data only:
 * supporting one more service is one more row. It lives in `config/` because vault, docker and
 * migrate all read it; the host-matching lookups are in `vault/inject/known-hosts.ts`.
 */
import { PLACEHOLDER } from '../common/placeholder.js';


/** How a generic secret's token goes into a request. */
export type TokenForm =
  | { kind: 'bearer' }
  /** `<header>: <token>`, no scheme. */
  | { kind: 'header'; header: string }
  | { kind: 'query'; param: string };

/** A provider's authorization-code endpoints and the scopes asked for (the dashboard's OAuth connect). */
export interface OAuthEndpoints {
  authorizeUrl: string;
  tokenUrl: string;
  scopes: readonly string[];
  /** Extra authorize parameters (Google gives a refresh token only with offline access and consent). */
  authorizeParams?: Readonly<Record<string, string>>;
}

export interface KnownService {
  service: string;
  /** The host pattern its secret gets (`init-onecli`); `.example.com` covers the apex and its subdomains. */
  hostPattern: string;
  /** `anthropic` and `openai` secrets carry their own rules; a `generic` one is injected in `form`. */
  type: 'anthropic' | 'openai' | 'generic';
  form?: TokenForm;
  /**
   * Hosts that need a credential (patterns), default `[hostPattern]`. The gateway terminates TLS for
   * them even without a secret, so that a placeholder is taken out and a 401/403 is answered with
   * `app_not_connected` and the connect URL.
   */
  hosts?: readonly string[];
  /** Hosts that take the token only as Basic `user:<token>` (git over HTTPS), whatever the service's form. */
  basicUser?: { hosts: readonly string[]; user: string };
  /** `.env` keys holding its credential, in order of precedence (the first one moves). */
  keys?: readonly string[];
  /**
   * Variables its clients read, set to the placeholder in every agent so that they start and reach
   * the gateway. Only where every host those clients send them to is in `hosts` (so an unconnected
   * placeholder is taken out, never sent); Anthropic's are chosen by its grant (`oauthVariable`).
   */
  clientVariables?: readonly string[];
  /** Anthropic: the variable that replaces `clientVariables` when the granted value is an OAuth token. */
  oauthVariable?: string;
  /** A `.env` key whose URL, when set to another host, redirects the credential there (e.g. a proxy). */
  baseUrlKey?: string;
  /** Stub templates (`templates/stubs/`) written when the agent holds a secret for one of its hosts. */
  stubs?: readonly string[];
  /** `openai`: its clients (the OpenAI SDK) show only `error.message`, so the gateway's refusals take that shape. */
  errorShape?: 'openai';
  /** Where the dashboard connects an `oauth2` secret for it (the user brings the OAuth app's client id and secret). */
  oauth?: OAuthEndpoints;
}

/** Stub templates every agent gets: git's credential helper answering the placeholder, so git sends credentials at all. */
export const ALWAYS_STUBS: readonly string[] = ['git'];

const header = (name: string): TokenForm => ({ kind: 'header', header: name });
type Extra = Omit<KnownService, 'service' | 'hostPattern' | 'type' | 'keys'>;
/** A generic service whose clients read its first key (Bearer unless `extra.form` says otherwise). */
const api = (service: string, hostPattern: string, keys: string[], extra: Extra = {}): KnownService => ({
  service,
  hostPattern,
  type: 'generic',
  keys,
  clientVariables: keys.slice(0, 1),
  ...extra,
});
/** A service whose hosts need a credential but whose keys `init-onecli` does not move. */
const hostsOnly = (service: string, hosts: string[], extra: Extra = {}): KnownService => ({
  service,
  hostPattern: hosts[0] ?? '',
  type: 'generic',
  hosts,
  ...extra,
});

const google = (scope: string): OAuthEndpoints => ({
  authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  scopes: [`https://www.googleapis.com/auth/${scope}`],
  authorizeParams: { access_type: 'offline', prompt: 'consent' },
});

/** APIs usually reached with the OpenAI SDK and a baseURL. */
const OPENAI_COMPATIBLE: Extra = { errorShape: 'openai' };

/** Anthropic's key order follows NanoClaw: ANTHROPIC_API_KEY when set, an OAuth token otherwise. */
export const KNOWN_SERVICES: readonly KnownService[] = [
  {
    service: 'Anthropic',
    hostPattern: 'api.anthropic.com',
    type: 'anthropic',
    keys: ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_AUTH_TOKEN'],
    clientVariables: ['ANTHROPIC_API_KEY'],
    oauthVariable: 'CLAUDE_CODE_OAUTH_TOKEN',
    baseUrlKey: 'ANTHROPIC_BASE_URL',
  },
  {
    service: 'OpenAI',
    hostPattern: 'api.openai.com',
    type: 'openai',
    keys: ['OPENAI_API_KEY'],
    clientVariables: ['OPENAI_API_KEY'],
    baseUrlKey: 'OPENAI_BASE_URL',
    errorShape: 'openai',
  },
  // One token for the API (Bearer) and git over HTTPS on github.com, which takes only Basic.
  api('GitHub', '.github.com', ['GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'GITHUB_PAT'], {
    hosts: ['api.github.com', 'uploads.github.com', 'github.com'],
    basicUser: { hosts: ['github.com'], user: 'x-access-token' },
    // An OAuth app's token (the user's own OAuth app; its callback URL is the vault's, see README).
    oauth: { authorizeUrl: 'https://github.com/login/oauth/authorize', tokenUrl: 'https://github.com/login/oauth/access_token', scopes: ['repo'] },
    clientVariables: ['GH_TOKEN', 'GITHUB_TOKEN'],
    stubs: ['github'],
  }),
  api('GitLab', 'gitlab.com', ['GITLAB_TOKEN', 'GITLAB_PERSONAL_ACCESS_TOKEN'], { form: header('PRIVATE-TOKEN') }),
  api('Google Gemini', 'generativelanguage.googleapis.com', ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY'], {
    form: header('x-goog-api-key'),
  }),
  api('OpenRouter', 'openrouter.ai', ['OPENROUTER_API_KEY'], { hosts: ['openrouter.ai', 'api.openrouter.ai'], errorShape: 'openai' }),
  api('Parallel', 'api.parallel.ai', ['PARALLEL_API_KEY'], { form: header('x-api-key') }),
  api('Groq', 'api.groq.com', ['GROQ_API_KEY'], OPENAI_COMPATIBLE),
  api('Mistral', 'api.mistral.ai', ['MISTRAL_API_KEY']),
  api('Perplexity', 'api.perplexity.ai', ['PERPLEXITY_API_KEY', 'PPLX_API_KEY'], OPENAI_COMPATIBLE),
  api('DeepSeek', 'api.deepseek.com', ['DEEPSEEK_API_KEY'], OPENAI_COMPATIBLE),
  api('xAI', 'api.x.ai', ['XAI_API_KEY'], OPENAI_COMPATIBLE),
  api('Together', 'api.together.xyz', ['TOGETHER_API_KEY'], OPENAI_COMPATIBLE),
  api('Fireworks', 'api.fireworks.ai', ['FIREWORKS_API_KEY'], OPENAI_COMPATIBLE),
  // Cohere's SDK reads CO_API_KEY.
  api('Cohere', 'api.cohere.com', ['COHERE_API_KEY', 'CO_API_KEY'], { hosts: ['api.cohere.com', 'api.cohere.ai'], clientVariables: ['CO_API_KEY'] }),
  api('ElevenLabs', 'api.elevenlabs.io', ['ELEVENLABS_API_KEY', 'ELEVEN_API_KEY'], { form: header('xi-api-key') }),
  api('Brave Search', 'api.search.brave.com', ['BRAVE_API_KEY', 'BRAVE_SEARCH_API_KEY'], { form: header('X-Subscription-Token') }),
  api('Tavily', 'api.tavily.com', ['TAVILY_API_KEY']),
  api('Exa', 'api.exa.ai', ['EXA_API_KEY'], { form: header('x-api-key') }),
  api('Firecrawl', 'api.firecrawl.dev', ['FIRECRAWL_API_KEY']),
  // A query parameter: a placeholder there is not taken out, so clients get no placeholder variable.
  api('SerpApi', 'serpapi.com', ['SERPAPI_API_KEY', 'SERPAPI_KEY'], { form: { kind: 'query', param: 'api_key' }, clientVariables: [] }),
  api('Replicate', 'api.replicate.com', ['REPLICATE_API_TOKEN', 'REPLICATE_API_KEY']),
  // Inference lives on subdomains (router., api-inference.); the hub's downloads on the apex are
  // public and not intercepted, so HF_TOKEN gets no placeholder (it would be sent there as it is).
  api('Hugging Face', '*.huggingface.co', ['HF_TOKEN', 'HUGGINGFACE_API_KEY', 'HUGGING_FACE_HUB_TOKEN', 'HUGGINGFACEHUB_API_TOKEN'], {
    hosts: ['api-inference.huggingface.co', 'router.huggingface.co'],
    clientVariables: [],
  }),
  api('Notion', 'api.notion.com', ['NOTION_API_KEY', 'NOTION_TOKEN'], { clientVariables: [] }),
  // Linear's personal API keys go in Authorization without a scheme.
  api('Linear', 'api.linear.app', ['LINEAR_API_KEY'], { form: header('Authorization'), clientVariables: [] }),
  api('Resend', 'api.resend.com', ['RESEND_API_KEY']),
  api('Stripe', 'api.stripe.com', ['STRIPE_API_KEY', 'STRIPE_SECRET_KEY'], { clientVariables: [] }),
  hostsOnly('Gmail', ['gmail.googleapis.com'], { stubs: ['gmail'], oauth: google('gmail.modify') }),
  hostsOnly('Google Calendar', ['www.googleapis.com'], { stubs: ['gcal'], oauth: google('calendar') }),
  // Drive, Vertex, the OAuth token endpoint…
  hostsOnly('Google APIs', ['*.googleapis.com']),
  hostsOnly('Azure OpenAI', ['*.openai.azure.com']),
  hostsOnly('Bitbucket', ['api.bitbucket.org']),
  hostsOnly('Slack', ['slack.com']),
  hostsOnly('Microsoft Graph', ['graph.microsoft.com']),
  hostsOnly('Atlassian', ['api.atlassian.com']),
  hostsOnly('SendGrid', ['api.sendgrid.com']),
];

/** The hosts of a service that need a credential. */
export function serviceHosts(service: KnownService): readonly string[] {
  return service.hosts ?? [service.hostPattern];
}

/** The service a `.env` key belongs to, and its rank among that service's keys. */
export function findService(key: string): { service: KnownService; rank: number } | undefined {
  for (const service of KNOWN_SERVICES) {
    const rank = service.keys?.indexOf(key) ?? -1;
    if (rank !== -1) return { service, rank };
  }
  return undefined;
}

/** Every variable set to the placeholder in every agent, Anthropic's OAuth one aside. */
export function placeholderVariables(): string[] {
  return KNOWN_SERVICES.flatMap((s) => s.clientVariables ?? []);
}
