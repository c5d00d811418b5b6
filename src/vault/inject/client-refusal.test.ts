import { describe, expect, it } from 'vitest';
import { clientRefusal, type RefusalText } from './client-refusal.js';

const refusal: RefusalText = {
  status: 401,
  error: 'app_not_connected',
  code: 'credential_not_found',
  message: 'x answered unauthorized; ask the user to connect one at http://v/connect?host=x',
  extra: { connect_url: 'http://v/connect?host=x' },
};

describe('clientRefusal', () => {
  it('answers a git smart-HTTP request with an ERR packet line', () => {
    const r = clientRefusal({ host: 'github.com', path: '/o/r.git/info/refs?service=git-upload-pack', refusal });
    expect(r?.status).toBe(200);
    expect(r?.body.toString()).toContain(`ERR ${refusal.message}`);
  });

  it('gives OpenAI and OpenAI-compatible APIs an error object whose message its SDK shows', () => {
    for (const host of ['api.openai.com', 'api.groq.com', 'openrouter.ai']) {
      const r = clientRefusal({ host, path: '/v1/responses', refusal });
      expect(r?.status, host).toBe(401);
      expect(r?.headers['x-should-retry']).toBe('false');
      expect(JSON.parse(r!.body.toString())).toEqual({
        error: { message: refusal.message, type: 'app_not_connected', code: 'credential_not_found', connect_url: 'http://v/connect?host=x' },
        code: 'credential_not_found',
        message: refusal.message,
        connect_url: 'http://v/connect?host=x',
      });
    }
  });

  it('leaves every other client to the usual JSON body', () => {
    expect(clientRefusal({ host: 'api.anthropic.com', path: '/v1/messages', refusal })).toBeNull();
    expect(clientRefusal({ host: 'api.github.com', path: '/repos/o/r', refusal })).toBeNull();
    expect(clientRefusal({ host: 'example.com', path: '/', refusal })).toBeNull();
  });
});
