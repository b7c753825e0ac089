/**
 * Offline by construction (DESIGN §8): with the default config, nothing but 127.0.0.1 is
 * offered as a candidate or bound as a UDP socket. Whether a STUN request (werift's
 * default: Google's server) or anything else tries to leave is what CI's network
 * namespace checks: it fails the run on any packet leaving loopback.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createCapauthToken } from '@skcomm/core/crypto';
import { AUTHORIZATION_HEADER, decodeRelayFrame, PUBLIC_KEY_HEADER, SIGNALING_PATH } from '@skcomm/relay-protocol';
import WebSocket from 'ws';
import { parseWebrtcOptions } from '../src/config.js';
import { filterCandidates } from '../src/ice-config.js';
import { decodeSignalMessage } from '../src/signal-message.js';
import type { WebrtcTransport } from '../src/webrtc-transport.js';
import { startStunResponder } from './stun-responder.js';
import { type Broker, startBroker, testIdentities, transportFor, waitFor } from './support.js';

let broker: Broker | undefined;
const transports: WebrtcTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.stop()));
  await broker?.destroy();
  broker = undefined;
});

/** Local addresses of the UDP sockets this process holds (from /proc: socket inodes of our fds). */
async function ownUdpAddresses(): Promise<string[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  const addresses: string[] = [];
  for (const table of ['/proc/self/net/udp', '/proc/self/net/udp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).trim().split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (!inodes.has(fields[9] ?? '')) continue;
      const [hex] = (fields[1] ?? '').split(':');
      addresses.push(
        table.endsWith('udp6') ? `ipv6:${hex}` : (hex!.match(/../g) ?? []).reverse().map((byte) => Number.parseInt(byte, 16)).join('.'),
      );
    }
  }
  return addresses;
}

describe('loopback only', () => {
  it('offers only 127.0.0.1 host candidates in its SDP', async () => {
    const [alice, , carol] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url, { connectTimeoutMs: 1_000 });
    transports.push(a);
    await a.start();
    // carol is a bare signaling client: she reads the offer a sends her and never answers.
    const token = await createCapauthToken(carol!, Math.floor(Date.now() / 1000));
    const socket = new WebSocket(`${broker.url}${SIGNALING_PATH}`, {
      headers: { [AUTHORIZATION_HEADER]: `Bearer ${token}`, [PUBLIC_KEY_HEADER]: Buffer.from(carol!.armored).toString('base64url') },
    });
    const offers: string[] = [];
    socket.on('message', (data: Buffer) => {
      const frame = decodeRelayFrame(data);
      if (frame.type === 'signal') offers.push(decodeSignalMessage(frame.payload).sdp);
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    await expect(a.send(Buffer.from('{}'), { fingerprint: carol!.fingerprint })).rejects.toMatchObject({ retryable: true });
    socket.close();
    expect(offers).toHaveLength(1);
    const candidates = offers[0]!.split('\r\n').filter((line) => line.startsWith('a=candidate:'));
    expect(candidates.length).toBeGreaterThan(0);
    for (const line of candidates) expect(line.split(' ')[4]).toBe('127.0.0.1');
  });

  it('binds its UDP sockets to 127.0.0.1 only, while a link carries envelopes', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url);
    const b = transportFor(bob!, broker.url);
    transports.push(a, b);
    await Promise.all([a.start(), b.start()]);
    await a.send(Buffer.from('{"envelope_id":"x"}'), { fingerprint: bob!.fingerprint });
    await waitFor(async () => (await b.receive()).length === 1, 'the envelope');
    const during = await ownUdpAddresses();
    expect(during.length).toBeGreaterThanOrEqual(2); // one ICE socket per side
    expect(new Set(during)).toEqual(new Set(['127.0.0.1']));
  });

  it('drops non-loopback, IPv6 and mDNS candidates from SDP on a loopback bind, keeps IPv4 ones otherwise', () => {
    const sdp = [
      'v=0',
      'a=candidate:1 1 udp 2116026367 127.0.0.1 40472 typ host',
      'a=candidate:2 1 udp 2116026367 192.0.2.2 51699 typ host',
      'a=candidate:3 1 udp 2116026367 abcd-1234.local 51699 typ host',
      'a=candidate:4 1 udp 2116026367 ::1 51699 typ host',
      'a=end-of-candidates',
    ].join('\r\n');
    const loopback = filterCandidates(sdp, parseWebrtcOptions({ signal: 'ws://127.0.0.1:8765' }));
    expect(loopback.split('\r\n')).toEqual(['v=0', 'a=candidate:1 1 udp 2116026367 127.0.0.1 40472 typ host', 'a=end-of-candidates']);
    const lan = filterCandidates(sdp, parseWebrtcOptions({ signal: 'ws://127.0.0.1:8765', bindAddress: '192.0.2.2' }));
    expect(lan.split('\r\n').filter((line) => line.startsWith('a=candidate:'))).toHaveLength(2);
  });
});

describe('configured ICE servers', () => {
  it('asks exactly the STUN server named in config, and the link works', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const stun = await startStunResponder();
    try {
      const a = transportFor(alice!, broker.url, { iceServers: stun.url });
      const b = transportFor(bob!, broker.url, { iceServers: [stun.url] });
      transports.push(a, b);
      await Promise.all([a.start(), b.start()]);
      await a.send(Buffer.from('{"envelope_id":"via-stun-config"}'), { fingerprint: bob!.fingerprint });
      await waitFor(async () => (await b.receive()).length === 1, 'the envelope');
      expect(stun.requests).toBeGreaterThanOrEqual(2); // one gathering per side
    } finally {
      await stun.close();
    }
  });
});
