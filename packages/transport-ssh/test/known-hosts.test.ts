import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyBlob } from '../src/key-blob.js';
import { entryMatches, judgeHostKey, knownKeyTypes, parseKnownHosts } from '../src/known-hosts.js';

const run = promisify(execFile);
const keyLine = () => ssh2.utils.generateKeyPairSync('ed25519').public.trim().split(/\s+/).slice(0, 2).join(' ');
const ecdsaLine = () => ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 }).public.trim().split(/\s+/).slice(0, 2).join(' ');

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'skcomm-known-hosts-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe('known_hosts', () => {
  const server = keyLine();
  const other = keyLine();
  const blob = publicKeyBlob(server);

  it.each([
    [`example.org ${server}`, 'example.org', 22, 'known'],
    [`Example.ORG ${server}`, 'example.org', 22, 'known'],
    [`example.org ${server}`, 'example.org', 2222, 'unknown'],
    [`[example.org]:2222 ${server}`, 'example.org', 2222, 'known'],
    [`[example.org]:2222 ${server}`, 'example.org', 22, 'unknown'],
    [`a.example,example.org,10.0.0.1 ${server}`, 'example.org', 22, 'known'],
    [`*.example.org ${server}`, 'mail.example.org', 22, 'known'],
    [`*.example.org,!evil.example.org ${server}`, 'evil.example.org', 22, 'unknown'],
    [`mail?.example.org ${server}`, 'mail1.example.org', 22, 'known'],
    [`example.org ${other}`, 'example.org', 22, 'changed'],
    [`example.org ${other}\nexample.org ${server}`, 'example.org', 22, 'known'],
    [`@revoked * ${server}\nexample.org ${server}`, 'example.org', 22, 'revoked'],
    [`@cert-authority *.example.org ${server}`, 'mail.example.org', 22, 'unknown'],
    [`# example.org ${server}\n\n   \nexample.org`, 'example.org', 22, 'unknown'],
  ])('%j for %s:%d is %s', (text, host, port, outcome) => {
    expect(judgeHostKey(parseKnownHosts(text), host, port, blob).outcome).toBe(outcome);
  });

  it('reports the known types of a changed host, and offers them first in the handshake', () => {
    const ecdsa = ecdsaLine();
    const file = parseKnownHosts(`example.org ${ecdsa}`);
    expect(judgeHostKey(file, 'example.org', 22, blob)).toEqual({ outcome: 'changed', knownTypes: ['ecdsa-sha2-nistp256'] });
    expect(knownKeyTypes(file, 'example.org', 22)).toEqual(['ecdsa-sha2-nistp256']);
  });

  it('skips malformed lines and counts them', () => {
    const [type, base64] = server.split(' ') as [string, string];
    const file = parseKnownHosts(
      [`example.org ${type}`, `example.org ${type} !!!notbase64`, `example.org ssh-rsa ${base64}`, `@bogus example.org ${server}`, `example.org ${server}`].join('\n'),
    );
    expect(file.entries).toHaveLength(1);
    expect(file.skippedLines).toBe(4);
  });

  it('matches names hashed by the real ssh-keygen -H', async () => {
    const path = join(directory, 'hashed');
    await writeFile(path, `[127.0.0.1]:2222 ${server}\nmail.example.org ${other}\n`);
    await run('ssh-keygen', ['-H', '-f', path]);
    const hashed = await readFile(path, 'utf8');
    expect(hashed).not.toContain('127.0.0.1');
    const file = parseKnownHosts(hashed);
    expect(file.entries.map((entry) => entry.hosts.startsWith('|1|'))).toEqual([true, true]);
    expect(judgeHostKey(file, '127.0.0.1', 2222, blob).outcome).toBe('known');
    expect(judgeHostKey(file, '127.0.0.1', 2223, blob).outcome).toBe('unknown');
    expect(judgeHostKey(file, 'mail.example.org', 22, blob).outcome).toBe('changed');
  });

  it('never throws on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom(server, '@revoked', '|1|', '[h]:1', '*', '!', ',', ' ', '\n', '#')), { maxLength: 20 }), (parts) => {
        const file = parseKnownHosts(parts.join(''));
        for (const entry of file.entries) expect(typeof entryMatches(entry, 'example.org')).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
