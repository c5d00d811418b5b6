import { describe, expect, it } from 'vitest';
import { healthReport, type HealthParts } from './health.js';

describe('healthReport', () => {
  const all: HealthParts = { api: 'ok', gateway: 'ok', store: 'ok' };
  it('keeps OneCLI’s shape with 200 when every part serves, and names the parts', () => {
    expect(healthReport(all, '1.2.3')).toEqual({ httpStatus: 200, body: { status: 'ok', service: 'nanoclaw-vault', version: '1.2.3', parts: all } });
  });
  it('is healthy without a gateway only when there is meant to be none', () => {
    expect(healthReport({ ...all, gateway: 'off' }, 'v').httpStatus).toBe(200);
    for (const gateway of ['starting', 'stopped'] as const) {
      expect(healthReport({ ...all, gateway }, 'v')).toMatchObject({ httpStatus: 503, body: { status: 'unavailable', parts: { gateway }, code: 'vault_unavailable' } });
    }
    expect(healthReport({ ...all, gateway: 'stopped' }, 'v').body.message).toBe('The vault is not serving: its gateway has stopped');
  });
  it('is unavailable when the store cannot be read', () => {
    expect(healthReport({ ...all, store: 'error' }, 'v')).toMatchObject({ httpStatus: 503, body: { status: 'unavailable', message: 'The vault is not serving: its store cannot be read' } });
  });
});
