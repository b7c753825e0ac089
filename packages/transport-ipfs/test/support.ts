import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { silentLogger } from '@skcomm/core';
import { ANNOUNCE_PROTOCOL, decodeReply, ipfs, type IpfsTransport, type IpfsTransportInit } from '../src/index.js';

export const FINGERPRINT_A = 'A'.repeat(40);
export const FINGERPRINT_B = 'B'.repeat(40);

/** A fresh temporary directory and a function that removes it. */
export async function sandbox(): Promise<{ directory: string; cleanup: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'skcomm-ipfs-'));
  return { directory, cleanup: () => rm(directory, { recursive: true, force: true }) };
}

/** An ipfs transport on an ephemeral loopback port, with its key in `stateDir`. */
export function ipfsTransport(fingerprint: string, stateDir: string, init: IpfsTransportInit = {}): IpfsTransport {
  return ipfs(init)({ selfFingerprint: fingerprint, stateDir, logger: silentLogger });
}

/**
 * Two started transports: b listens, a knows b as its configured peer. `address` is b's
 * full multiaddr, what a peer record holds (`--address ipfs=...`).
 */
export async function startedPair(
  directory: string,
  init: { a?: IpfsTransportInit; b?: IpfsTransportInit } = {},
): Promise<{ a: IpfsTransport; b: IpfsTransport; addressOfB: string; addressOfA: string }> {
  const b = ipfsTransport(FINGERPRINT_B, join(directory, 'b'), init.b);
  await b.start();
  const addressOfB = firstAddress(b);
  const a = ipfsTransport(FINGERPRINT_A, join(directory, 'a'), { peers: [addressOfB], ...init.a });
  await a.start();
  return { a, b, addressOfB, addressOfA: firstAddress(a) };
}

export function firstAddress(transport: IpfsTransport): string {
  const address = transport.addresses[0];
  if (address === undefined) throw new Error(`${transport.name} has no listen address`);
  return address;
}

/** A compact envelope-shaped JSON object. */
export function envelopeBytes(id: string, size = 200): Uint8Array {
  const base = { skcomm_version: '1.0.0', envelope_id: id, payload: { content_encrypted: '' } };
  base.payload.content_encrypted = 'x'.repeat(Math.max(0, size - JSON.stringify(base).length));
  return new TextEncoder().encode(JSON.stringify(base));
}

/** Waits until `condition()` holds, polling every 10 ms; fails after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Opens an announce stream from `from`'s libp2p to `address`, writes `frame` as is, returns the reply. */
export async function rawAnnounce(from: IpfsTransport, address: string, frame: Uint8Array): Promise<ReturnType<typeof decodeReply>> {
  const helia = from.helia;
  if (helia === undefined) throw new Error('the sending transport is not started');
  const stream = await helia.libp2p.dialProtocol(multiaddr(address), ANNOUNCE_PROTOCOL);
  const framed = lpStream(stream);
  await framed.write(frame);
  const reply = decodeReply((await framed.read()).subarray());
  await stream.close();
  return reply;
}
