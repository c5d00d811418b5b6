import { describe, expect, it } from 'vitest';
import { barePath, canonicalPath, MAX_READ_PATH, pathReadings } from './path-readings.js';

describe('canonicalPath', () => {
  it('collapses slashes and resolves dot segments without climbing above /', () => {
    expect(canonicalPath('//v1///messages')).toBe('/v1/messages');
    expect(canonicalPath('/v1/./x/../messages')).toBe('/v1/messages');
    expect(canonicalPath('/../../etc')).toBe('/etc');
    expect(canonicalPath('/v1/')).toBe('/v1/');
    expect(canonicalPath('/v1/x/..')).toBe('/v1/');
    expect(canonicalPath('/')).toBe('/');
  });
});

describe('barePath', () => {
  it('drops the query and fragment: they are not part of the path', () => {
    expect(barePath('/v1/messages?beta=true&next=/admin')).toBe('/v1/messages');
    expect(barePath('/a#/admin')).toBe('/a');
    expect(barePath('admin')).toBe('/admin');
  });
});

describe('pathReadings', () => {
  const all = (target: string) => pathReadings(target).all;

  it('gives a plain path one reading', () => {
    expect(pathReadings('/v1/messages?x=%61')).toEqual({ canonical: ['/v1/messages'], all: ['/v1/messages'], overLong: false });
  });

  it('decodes unreserved letters and digits, reserved separators, and double encoding', () => {
    expect(all('/%61dmin/y')).toContain('/admin/y');
    expect(all('/%2561dmin/y')).toContain('/admin/y');
    expect(all('/v1/%2e%2e/admin')).toContain('/admin');
    expect(all('/v1/%252e%252e/admin')).toContain('/admin');
    expect(all('/v1\\..\\admin')).toContain('/admin');
    expect(all('/v1/..;/admin')).toContain('/admin');
    expect(all('/caf%C3%A9')).toContain('/café');
  });

  it('keeps the readings of a server that decodes unreserved characters but not %2f', () => {
    expect(all('/%61dmin%2f..%2fv1')).toContain('/admin%2f..%2fv1');
  });

  it('resolves dots with and without collapsing slashes, since the two differ', () => {
    const r = all('/x//../admin');
    expect(r).toContain('/admin'); // collapsed first
    expect(r).toContain('/x/admin'); // RFC 3986 resolution of the empty segment
    expect(r).toContain('/x//../admin'); // a server that does neither
  });

  it('canonical readings are the collapsed, resolved forms of each decoding only', () => {
    const { canonical } = pathReadings('//v1/%2e%2e/admin');
    expect(canonical).toEqual(expect.arrayContaining(['/v1/%2e%2e/admin', '/admin']));
    expect(canonical.every((p) => !p.includes('//'))).toBe(true);
  });
});

describe('an over-long path', () => {
  it('is read only as spelled and flagged, so callers fail closed', () => {
    const long = `/v1/${'%61'.repeat(MAX_READ_PATH)}`;
    const r = pathReadings(`${long}?q=1`);
    expect(r.overLong).toBe(true);
    expect(r.all).toEqual([long]);
    expect(pathReadings(`/${'a'.repeat(MAX_READ_PATH - 1)}?${'q'.repeat(MAX_READ_PATH)}`).overLong).toBe(false);
  });
});
