import { hostMatches } from './host-pattern.js';

/**
 * Well-known APIs that need a credential. The gateway terminates TLS for these even when the agent
 * has no secret for them, so a 401/403 can be turned into an `app_not_connected` answer that tells
 * the user where to add one. Patterns follow the secret host-pattern rules.
 */
export const KNOWN_CREDENTIALED_HOSTS: readonly string[] = [
  // Model providers
  'api.anthropic.com',
  'api.openai.com',
  '*.openai.azure.com',
  'openrouter.ai',
  'api.openrouter.ai',
  'generativelanguage.googleapis.com',
  'api.mistral.ai',
  'api.groq.com',
  'api.cohere.com',
  'api.cohere.ai',
  'api.together.xyz',
  'api.deepseek.com',
  'api.x.ai',
  'api.perplexity.ai',
  'api.fireworks.ai',
  'api.replicate.com',
  'api-inference.huggingface.co',
  'router.huggingface.co',
  'api.elevenlabs.io',
  // Code hosting
  'api.github.com',
  'uploads.github.com',
  'gitlab.com',
  'api.bitbucket.org',
  // Google (Gmail, Drive, Calendar, Vertex, OAuth token endpoint…)
  '*.googleapis.com',
  'gmail.googleapis.com',
  // Productivity and messaging APIs
  'slack.com',
  'api.notion.com',
  'api.linear.app',
  'graph.microsoft.com',
  'api.atlassian.com',
  'api.stripe.com',
  'api.resend.com',
  'api.sendgrid.com',
];

/** Whether `host` is one of the built-in credentialed API hosts. */
export function isKnownCredentialedHost(host: string): boolean {
  return KNOWN_CREDENTIALED_HOSTS.some((pattern) => hostMatches(pattern, host));
}
