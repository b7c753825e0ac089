/**
 * Mesh discovery parsers against status output in the shapes `tailscale status --json`
 * and `netbird status --json` print (fixtures follow the tools' Go structs: ipnstate.Status
 * and netbird's OutputOverview), plus robustness properties: whatever the JSON, a parser
 * returns well-formed candidates or throws a MeshStatusError, never anything else.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeshStatusError, parseMeshStatus, parseNetbirdStatus, parseTailscaleStatus, type MeshNetwork, type PeerCandidate } from '../src/index.js';

const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('tailscale status --json', () => {
  it('lists the peers (not Self) with IPv4 first, online state, DNS name without the trailing dot', async () => {
    expect(parseTailscaleStatus(await fixture('tailscale-status.json'))).toEqual([
      { name: 'Chef’s MacBook Pro', addresses: ['100.70.9.114', 'fd7a:115c:a1e0::1f01:972'], online: false, dnsName: 'chefs-macbook-pro.tail4e21c.ts.net', os: 'macOS' },
      { name: 'localhost', addresses: ['100.127.3.250', 'fd7a:115c:a1e0::e01:3fa'], online: true, dnsName: 'relay-eu.tail4e21c.ts.net', os: 'linux' },
      { name: 'lumina', addresses: ['100.88.41.3', 'fd7a:115c:a1e0::5d01:2903'], online: true, dnsName: 'lumina.tail4e21c.ts.net', os: 'linux' },
    ]);
  });

  it('refuses the output of a stopped tailscale with a MeshStatusError saying so', async () => {
    const stopped = await fixture('tailscale-stopped.json');
    expect(() => parseTailscaleStatus(stopped)).toThrow(MeshStatusError);
    expect(() => parseTailscaleStatus(stopped)).toThrow(/not running \(BackendState "Stopped"\)/);
  });
});

describe('netbird status --json', () => {
  it('lists the peers with their netbird IP, name from the FQDN, and Connected as online', async () => {
    expect(parseNetbirdStatus(await fixture('netbird-status.json'))).toEqual([
      { name: 'chefs-laptop', addresses: ['100.92.201.9'], online: false, dnsName: 'chefs-laptop.netbird.cloud' },
      { name: 'lumina', addresses: ['100.92.14.201'], online: true, dnsName: 'lumina.netbird.cloud' },
      { name: 'relay-eu', addresses: ['100.92.60.17'], online: true, dnsName: 'relay-eu.netbird.cloud' },
    ]);
  });

  it('returns no candidates when netbird has no peers (details null)', async () => {
    expect(parseNetbirdStatus(await fixture('netbird-no-peers.json'))).toEqual([]);
  });
});

function wellFormed(candidates: PeerCandidate[]): void {
  for (const candidate of candidates) {
    expect(typeof candidate.name).toBe('string');
    expect(candidate.name.length).toBeGreaterThan(0);
    expect(candidate.name).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
    expect(candidate.addresses.length).toBeGreaterThan(0);
    for (const address of candidate.addresses) expect(isIP(address)).not.toBe(0);
    expect(typeof candidate.online).toBe('boolean');
  }
}

function parsesOrRefuses(network: MeshNetwork, text: string): void {
  try {
    wellFormed(parseMeshStatus(network, text));
  } catch (error) {
    expect(error).toBeInstanceOf(MeshStatusError);
  }
}

const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.string(), fc.constant('100.64.0.1/10'), fc.integer());
const name = fc.oneof(fc.string(), fc.constant('evil\u202Egnp.exe'), fc.constant('\u0000'), fc.constant(''), fc.integer(), fc.constant(null));

describe.each(['tailscale', 'netbird'] as const)('%s parser robustness', (network) => {
  it('any JSON value: candidates are well-formed, or a MeshStatusError', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => parsesOrRefuses(network, JSON.stringify(value))), { numRuns: 500 });
  });

  it('any string (truncated, not JSON): a MeshStatusError, never another error', async () => {
    const real = await fixture(network === 'tailscale' ? 'tailscale-status.json' : 'netbird-status.json');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.nat(real.length).map((cut) => real.slice(0, cut))), (text) => parsesOrRefuses(network, text)),
      { numRuns: 500 },
    );
  });

  it('peers of the right shape with hostile fields: only well-formed candidates come out', () => {
    const tailscalePeer = fc.record({ HostName: name, DNSName: name, TailscaleIPs: fc.oneof(fc.array(address), fc.constant(null)), Online: fc.anything() }, { requiredKeys: [] });
    const netbirdPeer = fc.record({ fqdn: name, netbirdIp: address, status: fc.oneof(fc.constant('Connected'), fc.string()) }, { requiredKeys: [] });
    const document =
      network === 'tailscale'
        ? fc.dictionary(fc.string(), fc.oneof(tailscalePeer, fc.anything())).map((Peer) => ({ BackendState: 'Running', Peer }))
        : fc.array(fc.oneof(netbirdPeer, fc.anything())).map((details) => ({ peers: { details } }));
    fc.assert(fc.property(document, (value) => parsesOrRefuses(network, JSON.stringify(value))), { numRuns: 500 });
  });
});
