/**
 * Real parts for the tests: real OpenPGP identities signing real CapAuth tokens, and a
 * real relay (@skcomm/relay) on 127.0.0.1 with an ephemeral port and a temporary mailbox
 * directory, which can be stopped and started again on the same port and data.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, TransportContext } from '@skcomm/core';
import { createCapauthToken, generateIdentity, type IdentityHandle, unlockIdentity } from '@skcomm/core/crypto';
import { type Relay, type RelayOptions, startRelay } from '@skcomm/relay';
import { websocket, type WebsocketTransport, type WebsocketTransportInit } from '../src/index.js';

export interface LogLine {
  level: keyof Logger;
  message: string;
  fields: Record<string, unknown> | undefined;
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: keyof Logger) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

let identities: Promise<[IdentityHandle, IdentityHandle, IdentityHandle]> | undefined;

/** Three real identities (alice, bob, carol), generated once per test file. */
export function testIdentities(): Promise<[IdentityHandle, IdentityHandle, IdentityHandle]> {
  identities ??= Promise.all(
    ['alice', 'bob', 'carol'].map(async (name) => {
      const generated = await generateIdentity({ name, passphrase: 'test passphrase' });
      return unlockIdentity(generated.armoredPrivateKey, 'test passphrase');
    }),
  ) as Promise<[IdentityHandle, IdentityHandle, IdentityHandle]>;
  return identities;
}

/** What a host holding `identity` gives the transport: its fingerprint and the token capability. */
export function contextFor(identity: IdentityHandle, logger: Logger = recordingLogger()): TransportContext {
  return {
    selfFingerprint: identity.fingerprint,
    logger,
    authToken: async () => ({ token: await createCapauthToken(identity, Math.floor(Date.now() / 1000)), armoredPublicKey: identity.armored }),
  };
}

/** Fast reconnects so tests do not wait on production backoff. */
export const FAST: Partial<WebsocketTransportInit> = { reconnectBaseMs: 20, reconnectMaxMs: 200, connectTimeoutMs: 2_000, sendTimeoutMs: 5_000 };

export function transportFor(identity: IdentityHandle, url: string | string[], init: Partial<WebsocketTransportInit> = {}, logger?: Logger): WebsocketTransport {
  return websocket({ ...FAST, ...init, url })(contextFor(identity, logger));
}

/** A relay that can be stopped and started again on the same port and mailbox directory. */
export class TestRelay {
  private relay: Relay | undefined;
  private port = 0;

  private constructor(
    readonly dataDir: string,
    private readonly options: Omit<RelayOptions, 'dataDir' | 'port'>,
  ) {}

  static async start(options: Omit<RelayOptions, 'dataDir' | 'port'> = {}): Promise<TestRelay> {
    const relay = new TestRelay(await mkdtemp(join(tmpdir(), 'skcomm-relay-')), options);
    await relay.up();
    return relay;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get current(): Relay {
    if (!this.relay) throw new Error('the test relay is down');
    return this.relay;
  }

  async up(): Promise<void> {
    if (this.relay) return;
    this.relay = await startRelay({ ...this.options, host: '127.0.0.1', port: this.port, dataDir: this.dataDir });
    this.port = this.relay.port;
  }

  async down(): Promise<void> {
    const relay = this.relay;
    this.relay = undefined;
    await relay?.close();
  }

  async destroy(): Promise<void> {
    await this.down();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function envelopeIdOf(bytes: Uint8Array): string | undefined {
  try {
    const id = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { envelope_id?: unknown }).envelope_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
