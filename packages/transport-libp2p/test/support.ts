import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { silentLogger, type Logger } from '@skcomm/core';
import { libp2p, type Libp2pTransport, type Libp2pTransportInit } from '../src/index.js';
import { createNode, type SkcommNode } from '../src/node.js';

export const FINGERPRINT_A = 'A'.repeat(40);
export const FINGERPRINT_B = 'B'.repeat(40);

export function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'skcomm-libp2p-'));
}

/** A libp2p transport on an ephemeral loopback port with its own state directory, unless `init` says otherwise. */
export function libp2pTransport(init: Libp2pTransportInit = {}, fingerprint = FINGERPRINT_B, logger: Logger = silentLogger): Libp2pTransport {
  return libp2p(init)({ selfFingerprint: fingerprint, stateDir: temporaryDirectory(), logger });
}

/** A started transport's address, which exists once it has started. */
export function addressOf(transport: Libp2pTransport): string {
  const address = transport.address;
  if (address === undefined) throw new Error('transport not started');
  return address;
}

/** A bare libp2p node (tcp + noise + yamux, fresh key) on loopback, to speak raw frames to a transport. */
export async function rawNode(): Promise<SkcommNode> {
  const node = await createNode(await generateKeyPair('Ed25519'), '/ip4/127.0.0.1/tcp/0');
  await node.start();
  return node;
}

export async function randomPeerId(): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
}

/** Waits until `condition()` holds, polling every 10 ms; fails after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const bytesOf = (text: string) => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
