/**
 * Real parts for the WebRTC tests: real identities with CapAuth tokens, a real relay (its
 * signaling broker) on 127.0.0.1, and transports created the way a host creates them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type TransportContext } from '@skcomm/core';
import { createCapauthToken, generateIdentity, type IdentityHandle, unlockIdentity } from '@skcomm/core/crypto';
import { type Relay, startRelay } from '@skcomm/relay';
import { webrtc, type WebrtcTransport, type WebrtcTransportInit } from '../src/index.js';

let identities: Promise<IdentityHandle[]> | undefined;
export const PASSPHRASE = 'webrtc test';
/** Armored (passphrase-protected) private keys by fingerprint, for peers run in a child process. */
export const armoredPrivateKeys = new Map<string, string>();

/** Three identities, generated once per test file. */
export function testIdentities(): Promise<IdentityHandle[]> {
  identities ??= Promise.all(
    ['alice', 'bob', 'carol'].map(async (name) => {
      const generated = await generateIdentity({ name, passphrase: PASSPHRASE });
      const identity = await unlockIdentity(generated.armoredPrivateKey, PASSPHRASE);
      armoredPrivateKeys.set(identity.fingerprint, generated.armoredPrivateKey);
      return identity;
    }),
  );
  return identities;
}

export function contextFor(identity: IdentityHandle): TransportContext {
  return {
    selfFingerprint: identity.fingerprint,
    logger: silentLogger,
    authToken: async () => ({ token: await createCapauthToken(identity, Math.floor(Date.now() / 1000)), armoredPublicKey: identity.armored }),
  };
}

export function transportFor(identity: IdentityHandle, signal: string, init: Partial<WebrtcTransportInit> = {}): WebrtcTransport {
  return webrtc({ signal, connectTimeoutMs: 5_000, sendTimeoutMs: 5_000, reconnectBaseMs: 20, reconnectMaxMs: 200, ...init })(contextFor(identity));
}

/** A real relay (mailbox + signaling broker) on an ephemeral loopback port, restartable on the same port. */
export interface Broker {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startBroker(): Promise<Broker> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skcomm-webrtc-broker-'));
  let relay: Relay | undefined = await startRelay({ port: 0, dataDir });
  const port = relay.port;
  return {
    url: relay.url,
    async stop() {
      await relay?.close();
      relay = undefined;
    },
    async start() {
      relay ??= await startRelay({ port, dataDir });
    },
    async destroy() {
      await relay?.close();
      relay = undefined;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
