/**
 * Offline by construction (DESIGN §8): with the default config the node listens only on
 * 127.0.0.1 and opens no socket to anything else, not even UDP (no mDNS, no UPnP). Checked
 * on the process's real sockets: every socket fd of this process, looked up in
 * /proc/net/{tcp,tcp6,udp,udp6}.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Libp2pTransport } from '../src/index.js';
import { addressOf, bytesOf, FINGERPRINT_A, FINGERPRINT_B, libp2pTransport } from './support.js';

interface InetSocket {
  protocol: string;
  local: string;
  remote: string;
}

/** The IPv4/IPv6 sockets this process holds, with addresses decoded to text. */
async function ownInetSockets(): Promise<InetSocket[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1] !== undefined) inodes.add(match[1]);
  }
  const sockets: InetSocket[] = [];
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6']) {
    const table = await readFile(`/proc/self/net/${protocol}`, 'utf8').catch(() => '');
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || !inodes.has(fields[9] as string)) continue;
      sockets.push({ protocol, local: decodeAddress(fields[1] as string), remote: decodeAddress(fields[2] as string) });
    }
  }
  return sockets;
}

/** `0100007F:1F90` -> `127.0.0.1`; IPv6 as 4 little-endian words -> `::1`-style hex groups. */
function decodeAddress(field: string): string {
  const [hex = ''] = field.split(':');
  if (hex.length === 8) return (hex.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)).join('.');
  const words = (hex.match(/.{8}/g) ?? []).map((word) => (word.match(/../g) ?? []).reverse().join(''));
  return words.join('').replace(/(.{4})/g, '$1:').slice(0, -1);
}

const IPV6_LOOPBACK = '0000:0000:0000:0000:0000:0000:0000:0001';
const IPV6_ANY = '0000:0000:0000:0000:0000:0000:0000:0000';
const isLoopback = (address: string) => address === '127.0.0.1' || address === IPV6_LOOPBACK;

/** Sockets bound off loopback, connected off loopback, or not TCP. */
function offLoopback(sockets: InetSocket[]): InetSocket[] {
  return sockets.filter(
    (socket) => !socket.protocol.startsWith('tcp') || !isLoopback(socket.local) || !(isLoopback(socket.remote) || socket.remote === '0.0.0.0' || socket.remote === IPV6_ANY),
  );
}

async function socketsOpenedBy(action: () => Promise<void>): Promise<InetSocket[]> {
  const before = new Set((await ownInetSockets()).map((socket) => JSON.stringify(socket)));
  await action();
  return (await ownInetSockets()).filter((socket) => !before.has(JSON.stringify(socket)));
}

describe('offline by construction', () => {
  const started: Libp2pTransport[] = [];
  afterEach(async () => {
    for (const transport of started.splice(0)) await transport.stop();
  });

  it('listens on and dials only loopback, over TCP only, through a send and a health check', async () => {
    const a = libp2pTransport({}, FINGERPRINT_A);
    const b = libp2pTransport({}, FINGERPRINT_B);
    started.push(a, b);
    const opened = await socketsOpenedBy(async () => {
      await Promise.all([a.start(), b.start()]);
      await a.send(bytesOf('hello'), { fingerprint: FINGERPRINT_B, address: addressOf(b) });
      await a.healthCheck();
    });
    // Two listeners plus both ends of the connection: the check is not vacuous.
    expect(opened.length).toBeGreaterThanOrEqual(4);
    expect(offLoopback(opened)).toEqual([]);
    expect(addressOf(a)).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//);
  });

  it('the check catches a node configured to listen on every interface', async () => {
    const everywhere = libp2pTransport({ listen: '/ip4/0.0.0.0/tcp/0' });
    started.push(everywhere);
    const opened = await socketsOpenedBy(() => everywhere.start());
    expect(offLoopback(opened)).toEqual([expect.objectContaining({ protocol: 'tcp', local: '0.0.0.0' })]);
  });
});
