import { describe, expect, it } from 'vitest';
import { hostAllowed, hostOfUrl } from './host-check.js';
import { parseRotateForm, parseSecretForm, renderSecretForm } from './secret-form.js';
import { SessionStore } from './sessions.js';

const VALUE = 'sk-form-test-VALUE-0123456789';

describe('parseSecretForm', () => {
  it('builds the API create body, with header injection for generic secrets', () => {
    const r = parseSecretForm(new URLSearchParams({ name: 'Pay', type: 'generic', value: VALUE, hostPattern: 'API.Pay.example', headerName: 'X-Key', valueFormat: 'Key {value}', pathPattern: '' }));
    expect(r.ok && r.body).toEqual({ name: 'Pay', type: 'generic', value: VALUE, hostPattern: 'api.pay.example', injectionConfig: { headerName: 'X-Key', valueFormat: 'Key {value}' } });
  });

  it('lists every problem, keeps the other fields for the form, and never the value', () => {
    const bad = `${VALUE}\nsecond line`;
    const r = parseSecretForm(new URLSearchParams({ name: 'Pay', type: 'generic', value: bad, hostPattern: 'http://x/' }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.join('\n')).toMatch(/value:[\s\S]*hostPattern:[\s\S]*injectionConfig:/);
    expect(JSON.stringify(r)).not.toContain(VALUE);
    const form = renderSecretForm(r.state, new SessionStore().create(), r.errors).value;
    expect(form).not.toContain(VALUE);
    expect(form).toContain('value="http://x/"');
    expect(form).toMatch(/<input id="new-secret-value" name="value" type="password" autocomplete="off"/);
  });

  it('takes a honeytoken without a value, and tells any other type it needs one', () => {
    const decoy = parseSecretForm(new URLSearchParams({ name: 'Decoy', type: 'honeytoken', value: '', hostPattern: '.amazonaws.com' }));
    expect(decoy.ok && decoy.body).toEqual({ name: 'Decoy', type: 'honeytoken', hostPattern: '.amazonaws.com' });
    const missing = parseSecretForm(new URLSearchParams({ name: 'Key', type: 'api_key', value: '', hostPattern: 'a.test' }));
    expect(!missing.ok && missing.errors).toEqual(['value: is required (only a honeytoken may leave it out)']);
  });

  it('validates a rotated value like a new one', () => {
    expect(parseRotateForm(new URLSearchParams({ value: VALUE }))).toEqual({ ok: true, value: VALUE });
    const r = parseRotateForm(new URLSearchParams({ value: '' }));
    expect(r.ok).toBe(false);
  });
});

describe('hostAllowed', () => {
  it('accepts loopback names with or without a port', () => {
    for (const h of ['127.0.0.1:10254', 'localhost', 'LOCALHOST:1', '[::1]:10254', 'app.localhost:8080', '127.1.2.3']) expect(hostAllowed(h), h).toBe(true);
  });

  it('refuses other names unless configured, and junk', () => {
    expect(hostAllowed('vault.lan:10254')).toBe(false);
    expect(hostAllowed('vault.lan:10254', ['vault.lan'])).toBe(true);
    for (const h of [undefined, '', 'localhost.evil.example', '127.0.0.1.evil.example', 'a b', '[::2]']) expect(hostAllowed(h), String(h)).toBe(false);
  });

  it('takes the host from a public URL', () => {
    expect(hostOfUrl('http://Vault.LAN:10254/')).toBe('vault.lan');
    expect(hostOfUrl('not a url')).toBeNull();
  });
});
