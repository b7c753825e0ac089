/**
 * Real parts for the relay tests: real identities and CapAuth tokens, a real relay on
 * 127.0.0.1 (ephemeral port, temporary mailbox), and a raw protocol client built on ws
 * and @skcomm/relay-protocol, so each frame the relay sees is exactly what the test wrote.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@skcomm/core';
import { createCapauthToken, generateIdentity, type IdentityHandle, unlockIdentity } from '@skcomm/core/crypto';
import {
  AUTHORIZATION_HEADER,
  decodeRelayFrame,
  encodeAck,
  encodeSend,
  PUBLIC_KEY_HEADER,
  type RelayFrame,
} from '@skcomm/relay-protocol';
import WebSocket from 'ws';
import { type Relay, type RelayOptions, startRelay } from '../src/index.js';

export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
  };
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

let identities: Promise<IdentityHandle[]> | undefined;

export function testIdentities(): Promise<IdentityHandle[]> {
  identities ??= Promise.all(
    ['alice', 'bob', 'carol'].map(async (name) => {
      const generated = await generateIdentity({ name, passphrase: 'relay test' });
      return unlockIdentity(generated.armoredPrivateKey, 'relay test');
    }),
  );
  return identities;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function tokenFor(identity: IdentityHandle, unixSeconds = nowSeconds()): Promise<string> {
  return createCapauthToken(identity, unixSeconds);
}

export async function headersFor(identity: IdentityHandle, token?: string): Promise<Record<string, string>> {
  return {
    [AUTHORIZATION_HEADER]: `Bearer ${token ?? (await tokenFor(identity))}`,
    [PUBLIC_KEY_HEADER]: Buffer.from(identity.armored).toString('base64url'),
  };
}

export interface TempRelay {
  relay: Relay;
  dataDir: string;
  logger: ReturnType<typeof recordingLogger>;
  restart(options?: Partial<RelayOptions>): Promise<void>;
  destroy(): Promise<void>;
}

export async function tempRelay(options: Partial<RelayOptions> = {}): Promise<TempRelay> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skcomm-relay-test-'));
  const logger = recordingLogger();
  const state: TempRelay = {
    relay: await startRelay({ port: 0, dataDir, logger, ...options }),
    dataDir,
    logger,
    async restart(more = {}) {
      const port = state.relay.port;
      await state.relay.close();
      state.relay = await startRelay({ port, dataDir, logger, ...options, ...more });
    },
    async destroy() {
      await state.relay.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return state;
}

/** The outcome of a handshake: an open client, or the HTTP status and body of the refusal. */
export type Handshake = { status: 101; client: RawClient } | { status: number; body: string };

export function handshake(url: string, headers: Record<string, string>): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers, perMessageDeflate: false });
    socket.binaryType = 'nodebuffer';
    const client = new RawClient(socket);
    socket.once('open', () => resolve({ status: 101, client }));
    socket.once('unexpected-response', (request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.once('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    socket.once('error', reject);
  });
}

export async function connect(url: string, identity: IdentityHandle): Promise<RawClient> {
  const result = await handshake(url, await headersFor(identity));
  if (result.status !== 101 || !('client' in result)) throw new Error(`handshake refused: ${result.status} ${'body' in result ? result.body : ''}`);
  return result.client;
}

/** A protocol client that records every frame the relay sent. */
export class RawClient {
  readonly frames: RelayFrame[] = [];
  closed: { code: number; reason: string } | undefined;
  private nextRequestId = 1;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.frames.push(decodeRelayFrame(data)));
    socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    socket.on('error', () => {});
  }

  /** Sends one envelope and waits for the relay's answer to it. */
  async send(recipient: string, envelope: Uint8Array): Promise<Extract<RelayFrame, { type: 'accepted' | 'refused' }>> {
    const requestId = this.nextRequestId++;
    this.socket.send(encodeSend(requestId, recipient, envelope));
    let answer: RelayFrame | undefined;
    await waitFor(() => {
      answer = this.frames.find((frame) => (frame.type === 'accepted' || frame.type === 'refused') && frame.requestId === requestId);
      return answer !== undefined || this.closed !== undefined;
    }, `an answer to request ${requestId}`);
    if (!answer) throw new Error(`connection closed (${this.closed?.code}) before an answer to request ${requestId}`);
    return answer as Extract<RelayFrame, { type: 'accepted' | 'refused' }>;
  }

  deliveries(): Array<Extract<RelayFrame, { type: 'deliver' }>> {
    return this.frames.filter((frame): frame is Extract<RelayFrame, { type: 'deliver' }> => frame.type === 'deliver');
  }

  ack(ids: number[]): void {
    this.socket.send(encodeAck(ids));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.close();
    await waitFor(() => this.closed !== undefined, 'the close');
  }
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A JSON document of exactly `size` bytes (when `size` leaves room for the label). */
export function envelopeBytes(label: string, size = 64): Uint8Array {
  return Buffer.from(`{"label":"${label}","pad":"${'x'.repeat(Math.max(0, size - label.length - 21))}"}`);
}
