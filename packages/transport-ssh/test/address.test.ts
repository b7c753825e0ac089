import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSshAddress, parseSshAddress, type SshAddress } from '../src/index.js';

const parsed = (text: string) => {
  const result = parseSshAddress(text);
  if (!result.ok) throw new Error(`"${text}" did not parse: ${result.problem}`);
  return result.address;
};

describe('ssh address user@host[:port]:/path', () => {
  it.each<[string, SshAddress]>([
    ['lumina@mail.example.org:/home/lumina/skcomm/inbox', { user: 'lumina', host: 'mail.example.org', port: 22, path: '/home/lumina/skcomm/inbox' }],
    ['skcomm-test@127.0.0.1:2222:/srv/inbox', { user: 'skcomm-test', host: '127.0.0.1', port: 2222, path: '/srv/inbox' }],
    ['opus@[fd7a:115c:a1e0::1]:2222:/srv/inbox/', { user: 'opus', host: 'fd7a:115c:a1e0::1', port: 2222, path: '/srv/inbox' }],
    ['a_b.c@Host-1.Example.ORG:/x', { user: 'a_b.c', host: 'host-1.example.org', port: 22, path: '/x' }],
    ['u@h:65535:/a b/ünïcode:colon', { user: 'u', host: 'h', port: 65_535, path: '/a b/ünïcode:colon' }],
    ['u@h:/2222:/x', { user: 'u', host: 'h', port: 22, path: '/2222:/x' }],
  ])('parses %s', (text, expected) => {
    expect(parsed(text)).toEqual(expected);
  });

  it.each([
    ['', /needs a user/],
    ['host:/x', /needs a user/],
    ['@host:/x', /is not a user name/],
    ['u@:/x', /needs a host/],
    ['u@host', /needs ":\/path"/],
    ['u@host:', /must be absolute/],
    ['u@host:relative/path', /must be absolute/],
    ['u@host:~/inbox', /must be absolute/],
    ['u@host:2222', /followed by ":\/path"/],
    ['u@host:2222:relative', /must be absolute/],
    ['u@host:0:/x', /not in 1\.\.65535/],
    ['u@host:65536:/x', /not in 1\.\.65535/],
    ['u@host:022:/x', /not in 1\.\.65535/],
    ['u@host:/', /not \//],
    ['u@host:/a/../etc', /"\.\." segment/],
    ['u@host:/a/./b', /"\." segment/],
    ['u@host:/a//b', /empty segment/],
    ['u@host:/a\u0000b', /control character/],
    ['u@host:/a\nb', /control character/],
    ['u@fd7a::1:/x', /in brackets/],
    ['u@fd7a::1:2222:/x', /in brackets/],
    ['u@[fd7a::1:/x', /closing "\]"/],
    ['u@[not-ipv6]:/x', /not an IPv6 address/],
    ['u@999.1.1.1:/x', /not an IPv4 address/],
    ['u@-bad.example:/x', /not a host name/],
    ['u@a..b:/x', /not a host name/],
    ['u v@host:/x', /is not a user name/],
    ['u@ho st:/x', /not a host name/],
    [`u@host:/${'a'.repeat(5000)}`, /longer than/],
  ])('refuses %j', (text, problem) => {
    const result = parseSshAddress(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });

  const userArbitrary = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
  const labelArbitrary = fc.stringMatching(/^[a-z0-9_](?:[a-z0-9_-]{0,10}[a-z0-9_])?$/);
  const hostArbitrary = fc.oneof(
    fc.array(labelArbitrary, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')).filter((host) => !host.split('.').every((label) => /^\d+$/.test(label))),
    fc.ipV4(),
    fc.ipV6().map((host) => host.toLowerCase()).filter((host) => host.includes(':')),
  );
  const segmentArbitrary = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
    .filter((segment) => !segment.includes('/') && segment !== '.' && segment !== '..' && !/[\u0000-\u001f\u007f]/.test(segment));
  const addressArbitrary = fc.record({
    user: userArbitrary,
    host: hostArbitrary,
    port: fc.integer({ min: 1, max: 65_535 }),
    path: fc.array(segmentArbitrary, { minLength: 1, maxLength: 5 }).map((segments) => `/${segments.join('/')}`),
  });

  it('parses what it formats (property)', () => {
    fc.assert(
      fc.property(addressArbitrary, (address) => {
        expect(parseSshAddress(formatSshAddress(address))).toEqual({ ok: true, address });
      }),
    );
  });

  it('never throws, and whatever it accepts is absolute, traversal-free and formats back the same (property)', () => {
    const pieces = fc.constantFrom('u', '@', 'h', ':', '2222', '/', '..', '.', '[', ']', '::1', 'é', ' ', '\u0000', '0', '65536', 'x.y');
    const noise = fc.oneof(fc.string({ maxLength: 40 }), fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join('')));
    fc.assert(
      fc.property(noise, (text) => {
        const result = parseSshAddress(text);
        if (!result.ok) return;
        const { path } = result.address;
        expect(path.startsWith('/')).toBe(true);
        expect(path.split('/').slice(1)).not.toContain('..');
        expect(path.split('/').slice(1)).not.toContain('');
        expect(parseSshAddress(formatSshAddress(result.address))).toEqual(result);
      }),
      { numRuns: 2000 },
    );
  });
});
