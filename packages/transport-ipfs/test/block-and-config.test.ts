import { describe, expect, it } from 'vitest';
import { ConfigError } from '@skcomm/core';
import { blockMatches, configSchema, DEFAULT_LISTEN, envelopeCid, ipfs, parsePeerAddress, plugin } from '../src/index.js';
import * as v from 'valibot';
import { multiaddr } from '@multiformats/multiaddr';
import { isLoopbackAddress, resolvedListenAddresses } from '../src/listen-addresses.js';

const PEER = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN';

describe('envelope blocks', () => {
  it('are CIDv1, raw codec, sha2-256 (bafkrei...)', () => {
    const cid = envelopeCid(new TextEncoder().encode('{"envelope_id":"x"}'));
    expect(cid.toString()).toMatch(/^bafkrei/);
    expect(cid.code).toBe(0x55);
    expect(cid.multihash.code).toBe(0x12);
  });

  it('match only the exact bytes they were made from', () => {
    const bytes = new TextEncoder().encode('{"envelope_id":"x"}');
    const cid = envelopeCid(bytes);
    expect(blockMatches(cid, bytes)).toBe(true);
    const flipped = bytes.slice();
    flipped[3] = (flipped[3] ?? 0) ^ 1;
    expect(blockMatches(cid, flipped)).toBe(false);
    expect(blockMatches(cid, bytes.subarray(1))).toBe(false);
  });
});

describe('config', () => {
  it('defaults to loopback, no peers, in-memory repo', () => {
    const options = plugin.parseOptions({});
    expect(options.listen.map(String)).toEqual([DEFAULT_LISTEN]);
    expect(options.peers).toEqual([]);
    expect(options.repo).toBeUndefined();
    expect(options.keyFile).toBeUndefined();
  });

  it('takes multiaddr lists as YAML lists or one string from --set', () => {
    const options = plugin.parseOptions({ listen: '/ip4/127.0.0.1/tcp/0, /ip6/::1/tcp/0', peers: [PEER], maxInFlight: '8' });
    expect(options.listen.map(String)).toEqual(['/ip4/127.0.0.1/tcp/0', '/ip6/::1/tcp/0']);
    expect(options.peers.map(String)).toEqual([PEER]);
    expect(options.maxInFlight).toBe(8);
  });

  it('names the offending key', () => {
    const refused = (raw: Record<string, unknown>, field: string) => {
      expect(() => plugin.parseOptions(raw)).toThrow(ConfigError);
      try {
        plugin.parseOptions(raw);
      } catch (error) {
        expect((error as ConfigError).field).toBe(field);
      }
    };
    refused({ listen: '/ip4/127.0.0.1/udp/0/quic-v1' }, 'listen');
    refused({ listen: 'not a multiaddr' }, 'listen');
    refused({ peers: '/ip4/127.0.0.1/tcp/4001' }, 'peers');
    refused({ repo: 'relative/dir' }, 'repo');
    refused({ maxInFlight: 1000 }, 'maxInFlight');
    refused({ bootstrap: ['/dnsaddr/bootstrap.libp2p.io'] }, 'bootstrap');
  });

  it('exports the schema and a factory that validates eagerly', () => {
    expect(v.safeParse(configSchema, {}).success).toBe(true);
    expect(() => ipfs({ listen: 'nope' })).toThrow(ConfigError);
  });
});

describe('peer addresses', () => {
  it('need a network address and a peer id', () => {
    expect(parsePeerAddress(PEER)).toHaveProperty('peerId');
    expect(parsePeerAddress('/ip4/127.0.0.1/tcp/4001')).toMatchObject({ problem: expect.stringContaining('/p2p/') });
    expect(parsePeerAddress('/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN')).toMatchObject({ problem: expect.stringContaining('network address') });
    expect(parsePeerAddress('garbage')).toHaveProperty('problem');
  });
});

describe('listen addresses across restarts', () => {
  const bound = ['/ip4/127.0.0.1/tcp/41000/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', '/ip4/10.0.0.5/tcp/41000/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', '/ip6/::1/tcp/41001'].map((text) => multiaddr(text));

  it('keep the port picked for port 0, and the configured host, wildcards included', () => {
    const configured = ['/ip4/127.0.0.1/tcp/0', '/ip4/0.0.0.0/tcp/0', '/ip6/::1/tcp/0', '/ip4/127.0.0.1/tcp/4001'].map((text) => multiaddr(text));
    expect(resolvedListenAddresses(configured, bound).map(String)).toEqual(['/ip4/127.0.0.1/tcp/41000', '/ip4/0.0.0.0/tcp/41000', '/ip6/::1/tcp/41001', '/ip4/127.0.0.1/tcp/4001']);
  });

  it('tell loopback from the rest', () => {
    expect(['/ip4/127.0.0.1/tcp/1', '/ip6/::1/tcp/1', '/ip4/0.0.0.0/tcp/1', '/ip4/192.168.1.2/tcp/1'].map((text) => isLoopbackAddress(multiaddr(text)))).toEqual([true, true, false, false]);
  });
});
