import type { Agent, Secret } from '../../src/vault/model/records.js';

/** An agent as the store returns it, for unit tests of what the gateway decides. */
export function testAgent(overrides: Partial<Agent> = {}): Agent {
  return {
    id: 'a1',
    name: 'a',
    identifier: 'agent-a',
    secretMode: 'all',
    egressPolicy: 'tunnel',
    allowHosts: [],
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A secret as the store lists it (never a value), by default an OpenAI-style Bearer key for api.pay.test. */
export function testSecret(overrides: Partial<Secret> = {}): Secret {
  return {
    id: 'sec_1',
    name: 'pay-key',
    type: 'openai',
    hostPattern: 'api.pay.test',
    pathPattern: null,
    injectionConfig: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    lastUsedAt: null,
    ...overrides,
  };
}
