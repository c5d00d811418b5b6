import type { InjectionConfig, SecretType } from '../vault/model/records.js';

/** How one service's credential is injected, and which `.env` keys hold it (first key wins). */
export interface KnownService {
  service: string;
  /** Keys in order of precedence: when several hold different values, the first one moves. */
  keys: readonly string[];
  hostPattern: string;
  type: SecretType;
  injectionConfig?: InjectionConfig;
  /** A `.env` key whose URL, when set to another host, redirects the credential there (e.g. a proxy). */
  baseUrlKey?: string;
}

const bearer: InjectionConfig = { headerName: 'Authorization', valueFormat: 'Bearer {value}' };
const header = (headerName: string): InjectionConfig => ({ headerName, valueFormat: '{value}' });
const generic = (service: string, keys: string[], hostPattern: string, injectionConfig: InjectionConfig = bearer): KnownService => ({
  service,
  keys,
  hostPattern,
  type: 'generic',
  injectionConfig,
});

/**
 * Services whose keys `ncl init-onecli` moves without asking. Data only: add a row to support one more.
 * Anthropic's order follows NanoClaw, which uses ANTHROPIC_API_KEY when it is set and an OAuth token otherwise.
 */
export const KNOWN_SERVICES: readonly KnownService[] = [
  {
    service: 'Anthropic',
    keys: ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_AUTH_TOKEN'],
    hostPattern: 'api.anthropic.com',
    type: 'anthropic',
    baseUrlKey: 'ANTHROPIC_BASE_URL',
  },
  { service: 'OpenAI', keys: ['OPENAI_API_KEY'], hostPattern: 'api.openai.com', type: 'openai', baseUrlKey: 'OPENAI_BASE_URL' },
  generic('GitHub', ['GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'GITHUB_PAT'], 'api.github.com'),
  generic('GitLab', ['GITLAB_TOKEN', 'GITLAB_PERSONAL_ACCESS_TOKEN'], 'gitlab.com', header('PRIVATE-TOKEN')),
  generic(
    'Google Gemini',
    ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY'],
    'generativelanguage.googleapis.com',
    header('x-goog-api-key'),
  ),
  generic('OpenRouter', ['OPENROUTER_API_KEY'], 'openrouter.ai'),
  generic('Parallel', ['PARALLEL_API_KEY'], 'api.parallel.ai', header('x-api-key')),
  generic('Groq', ['GROQ_API_KEY'], 'api.groq.com'),
  generic('Mistral', ['MISTRAL_API_KEY'], 'api.mistral.ai'),
  generic('Perplexity', ['PERPLEXITY_API_KEY', 'PPLX_API_KEY'], 'api.perplexity.ai'),
  generic('DeepSeek', ['DEEPSEEK_API_KEY'], 'api.deepseek.com'),
  generic('xAI', ['XAI_API_KEY'], 'api.x.ai'),
  generic('Together', ['TOGETHER_API_KEY'], 'api.together.xyz'),
  generic('Fireworks', ['FIREWORKS_API_KEY'], 'api.fireworks.ai'),
  generic('Cohere', ['COHERE_API_KEY', 'CO_API_KEY'], 'api.cohere.com'),
  generic('ElevenLabs', ['ELEVENLABS_API_KEY', 'ELEVEN_API_KEY'], 'api.elevenlabs.io', header('xi-api-key')),
  generic('Brave Search', ['BRAVE_API_KEY', 'BRAVE_SEARCH_API_KEY'], 'api.search.brave.com', header('X-Subscription-Token')),
  generic('Tavily', ['TAVILY_API_KEY'], 'api.tavily.com'),
  generic('Exa', ['EXA_API_KEY'], 'api.exa.ai', header('x-api-key')),
  generic('Firecrawl', ['FIRECRAWL_API_KEY'], 'api.firecrawl.dev'),
  generic('SerpApi', ['SERPAPI_API_KEY', 'SERPAPI_KEY'], 'serpapi.com', { paramName: 'api_key', paramFormat: '{value}' }),
  generic('Replicate', ['REPLICATE_API_TOKEN', 'REPLICATE_API_KEY'], 'api.replicate.com'),
  // Inference lives on subdomains (router., api-inference.); the hub's downloads on the apex are public.
  generic('Hugging Face', ['HF_TOKEN', 'HUGGINGFACE_API_KEY', 'HUGGING_FACE_HUB_TOKEN', 'HUGGINGFACEHUB_API_TOKEN'], '*.huggingface.co'),
  generic('Notion', ['NOTION_API_KEY', 'NOTION_TOKEN'], 'api.notion.com'),
  // Linear's personal API keys go in Authorization without a scheme.
  generic('Linear', ['LINEAR_API_KEY'], 'api.linear.app', header('Authorization')),
  generic('Resend', ['RESEND_API_KEY'], 'api.resend.com'),
  generic('Stripe', ['STRIPE_API_KEY', 'STRIPE_SECRET_KEY'], 'api.stripe.com'),
];

/** The service a key belongs to, and its rank among that service's keys. */
export function findService(key: string): { service: KnownService; rank: number } | undefined {
  for (const service of KNOWN_SERVICES) {
    const rank = service.keys.indexOf(key);
    if (rank !== -1) return { service, rank };
  }
  return undefined;
}
