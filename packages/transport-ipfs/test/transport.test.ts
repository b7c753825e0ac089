/**
 * Transport-specific behaviour between two real helia nodes on 127.0.0.1: what goes on the
 * network (loopback only), hostile or broken announcements, health, addressing.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TransportError } from '@skcomm/core';
import { encodeAnnounce, envelopeCid, IpfsTransportError, type IpfsTransport } from '../src/index.js';
import { envelopeBytes, FINGERPRINT_A, FINGERPRINT_B, rawAnnounce, sandbox, startedPair } from './support.js';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function pair(init: Parameters<typeof startedPair>[1] = {}) {
  const folder = await sandbox();
  const started = await startedPair(folder.directory, init);
  cleanups.push(folder.cleanup, () => started.b.stop(), () => started.a.stop());
  return started;
}

async function drain(transport: IpfsTransport): Promise<string[]> {
  const ids: string[] = [];
  for (const envelope of await transport.receive()) {
    ids.push((JSON.parse(new TextDecoder().decode(envelope.bytes)) as { envelope_id: string }).envelope_id);
    await envelope.commit();
  }
  return ids;
}

/** Local and remote addresses of every TCP socket this process holds (from /proc: inode -> socket table row). */
async function ownTcpSockets(): Promise<Array<{ local: string; remote: string }>> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1] !== undefined) inodes.add(match[1]);
  }
  const sockets: Array<{ local: string; remote: string }> = [];
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
    const rows = (await readFile(`/proc/self/net/${table}`, 'utf8')).trim().split('\n').slice(1);
    for (const row of rows) {
      const columns = row.trim().split(/\s+/);
      if (columns[9] !== undefined && inodes.has(columns[9])) sockets.push({ local: decodeAddress(columns[1] ?? ''), remote: decodeAddress(columns[2] ?? '') });
    }
  }
  return sockets;
}

/** `0100007F:1F90` -> `127.0.0.1`; IPv6 rows -> the bare hex (loopback is ...0001000000..., any is all zeros). */
function decodeAddress(field: string): string {
  const [hex = ''] = field.split(':');
  if (hex.length === 8) return [3, 2, 1, 0].map((index) => Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16)).join('.');
  return hex;
}

const IPV6_LOOPBACK = '00000000000000000000000001000000';
const IPV6_ANY = '0'.repeat(32);
const isLoopback = (address: string) => address.startsWith('127.') || address === IPV6_LOOPBACK;
const isUnconnected = (address: string) => address === '0.0.0.0' || address === IPV6_ANY;

describe('offline by construction', () => {
  it('opens sockets on loopback only, listens on 127.0.0.1 and is connected to nobody but its peer', async () => {
    const { a, b, addressOfB } = await pair();
    await a.send(envelopeBytes('loopback-1'), { fingerprint: FINGERPRINT_B, address: addressOfB });
    expect(await drain(b)).toEqual(['loopback-1']);

    for (const transport of [a, b]) {
      const libp2p = transport.helia?.libp2p;
      expect(libp2p).toBeDefined();
      for (const address of libp2p?.getMultiaddrs() ?? []) expect(address.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//);
      for (const connection of libp2p?.getConnections() ?? []) expect(connection.remoteAddr.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/);
    }
    expect(a.helia?.libp2p.getPeers().map(String)).toEqual([b.peerId]);

    const sockets = await ownTcpSockets();
    expect(sockets.length).toBeGreaterThan(0);
    for (const socket of sockets) {
      expect(isLoopback(socket.local), `socket bound to ${socket.local}`).toBe(true);
      expect(isLoopback(socket.remote) || isUnconnected(socket.remote), `socket connected to ${socket.remote}`).toBe(true);
    }
  });
});

describe('announcements', () => {
  it('refuse a block whose bytes do not hash to the announced CID, and queue nothing', async () => {
    const { a, b, addressOfB } = await pair({ b: { fetchTimeoutMs: 1500 } });
    const genuine = envelopeBytes('genuine');
    const cid = envelopeCid(genuine);
    const forged = envelopeBytes('forged!');
    // Stored under the CID of other bytes, straight into the blockstore (no hashing there).
    await a.helia?.blockstore.put(cid, forged);
    const reply = await rawAnnounce(a, addressOfB, encodeAnnounce({ cid, size: genuine.length, to: FINGERPRINT_B }));
    // Bitswap may drop the forged block itself (then nothing arrives in time) or hand it over
    // (then the transport's own hash check refuses it): either way it is refused and not queued.
    expect(reply).toMatchObject({ reply: { ok: false, reason: expect.stringMatching(/^(cid-mismatch|not-found)$/) } });
    expect(await b.receive()).toEqual([]);
    await a.send(envelopeBytes('after-forgery'), { fingerprint: FINGERPRINT_B, address: addressOfB });
    expect(await drain(b)).toEqual(['after-forgery']);
  });

  it('answer an announce of a CID nobody has with a retryable not-found, and keep working', async () => {
    const { a, b, addressOfB } = await pair({ b: { fetchTimeoutMs: 300 } });
    const unknown = envelopeCid(envelopeBytes('never-stored'));
    const reply = await rawAnnounce(a, addressOfB, encodeAnnounce({ cid: unknown, size: 200, to: FINGERPRINT_B }));
    expect(reply).toMatchObject({ reply: { ok: false, reason: 'not-found' } });
    expect(await b.receive()).toEqual([]);
    await a.send(envelopeBytes('after-unknown'), { fingerprint: FINGERPRINT_B, address: addressOfB });
    expect(await drain(b)).toEqual(['after-unknown']);
  });

  it('refuse garbage, oversize and misaddressed announcements without fetching', async () => {
    const { a, b, addressOfB } = await pair({ b: { maxEnvelopeBytes: 1000 } });
    const cid = envelopeCid(envelopeBytes('x'));
    expect(await rawAnnounce(a, addressOfB, new TextEncoder().encode('{"hello":'))).toMatchObject({ reply: { ok: false, reason: 'bad-announce' } });
    expect(await rawAnnounce(a, addressOfB, encodeAnnounce({ cid, size: 5000, to: FINGERPRINT_B }))).toMatchObject({ reply: { ok: false, reason: 'too-large' } });
    expect(await rawAnnounce(a, addressOfB, encodeAnnounce({ cid, size: 200, to: FINGERPRINT_A }))).toMatchObject({ reply: { ok: false, reason: 'wrong-recipient' } });
    expect(await b.receive()).toEqual([]);
  });

  it('surface a refusal to send() as a TransportError with retryable set from the reason', async () => {
    const { a, addressOfB } = await pair();
    // b receives as FINGERPRINT_B: sending to another fingerprint at b's address is refused for good.
    const error = await a.send(envelopeBytes('misaddressed'), { fingerprint: 'C'.repeat(40), address: addressOfB }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IpfsTransportError);
    expect(error).toMatchObject({ code: ErrorCode.RecipientMismatch, retryable: false, transport: 'ipfs' });
  });

  it('leave no block behind on either node once the envelope is committed', async () => {
    const { a, b, addressOfB } = await pair();
    const countBlocks = async (transport: IpfsTransport) => {
      let count = 0;
      for await (const _ of transport.helia?.blockstore.getAll() ?? []) count++;
      return count;
    };
    for (let index = 0; index < 5; index++) await a.send(envelopeBytes(`block-${index}`), { fingerprint: FINGERPRINT_B, address: addressOfB });
    expect(await countBlocks(a)).toBe(0);
    expect(await countBlocks(b)).toBe(5);
    expect(await drain(b)).toHaveLength(5);
    expect(await countBlocks(b)).toBe(0);
  });

  it('queue an envelope announced twice once', async () => {
    const { a, b, addressOfB } = await pair();
    const bytes = envelopeBytes('twice');
    await a.send(bytes, { fingerprint: FINGERPRINT_B, address: addressOfB });
    await a.send(bytes, { fingerprint: FINGERPRINT_B, address: addressOfB });
    expect(await drain(b)).toEqual(['twice']);
  });
});

describe('addressing and health', () => {
  it('refuses a peer without an address, or with one lacking /p2p/, as non-retryable', async () => {
    const { a } = await pair();
    for (const address of [undefined, '/ip4/127.0.0.1/tcp/4001']) {
      const error = await a.send(envelopeBytes('nowhere'), { fingerprint: FINGERPRINT_B, ...(address === undefined ? {} : { address }) }).catch((caught: unknown) => caught);
      expect(TransportError.isTransportError(error) && error.retryable).toBe(false);
    }
  });

  it('reports peer count, the configured peer and a latency', async () => {
    const { a, b } = await pair();
    const health = await a.healthCheck();
    expect(health.status).toBe('up');
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    expect(health.detail).toContain('1 peer(s) connected');
    expect(health.detail).toContain(b.peerId);
    await b.stop();
    const down = await a.healthCheck();
    expect(down.status).toBe('down');
    expect(down.detail).toContain('unreachable');
  });

  it('is down before start and after stop, and receive() then throws a retryable error', async () => {
    const { b } = await pair();
    await b.stop();
    expect((await b.healthCheck()).status).toBe('down');
    await expect(b.receive()).rejects.toMatchObject({ retryable: true, code: ErrorCode.TransportUnavailable });
  });
});
