import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InboundEnvelope, Logger } from '@skcomm/core';
import { createTestEnvelope, type TestEnvelope } from '@skcomm/compliance-tests';
import { nostr, type NostrTransport, type NostrTransportInit } from '../src/index.js';

export const FINGERPRINT_A = 'A1'.repeat(20);
export const FINGERPRINT_B = 'B2'.repeat(20);

export interface LogLine {
  level: keyof Logger;
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A logger that remembers what it was told. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: keyof Logger) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

/** Temporary directories, all removed by cleanup(). */
export class TempDirs {
  private readonly made: string[] = [];

  async make(prefix = 'skcomm-nostr-'): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), prefix));
    this.made.push(directory);
    return directory;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.made.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
  }
}

export interface EndpointInit extends Partial<NostrTransportInit> {
  relays: NostrTransportInit['relays'];
}

/** A transport for `fingerprint` with its own state directory (its key is generated there). */
export function endpoint(
  fingerprint: string,
  stateDir: string,
  init: EndpointInit,
  logger: Logger = recordingLogger(),
): NostrTransport {
  return nostr({ connectTimeoutMs: 2000, publishTimeoutMs: 3000, reconnectMaxDelayMs: 500, ...init })({ selfFingerprint: fingerprint, stateDir, logger });
}

export function envelopeFor(to: string = FINGERPRINT_B): TestEnvelope {
  return createTestEnvelope({ from: FINGERPRINT_A, to });
}

/** Polls `condition` every 10 ms until it holds, or fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Receives (and commits) until `count` envelopes arrived; fails after `timeoutMs`. */
export async function receiveCount(transport: NostrTransport, count: number, timeoutMs = 10_000): Promise<InboundEnvelope[]> {
  const arrived: InboundEnvelope[] = [];
  await waitFor(async () => {
    for (const envelope of await transport.receive()) {
      arrived.push(envelope);
      await envelope.commit();
    }
    return arrived.length >= count;
  }, `${count} envelopes`, timeoutMs);
  return arrived;
}

/** Everything that arrives within `durationMs`, committed. */
export async function receiveFor(transport: NostrTransport, durationMs: number): Promise<InboundEnvelope[]> {
  const arrived: InboundEnvelope[] = [];
  const deadline = Date.now() + durationMs;
  while (Date.now() < deadline) {
    for (const envelope of await transport.receive()) {
      arrived.push(envelope);
      await envelope.commit();
    }
    await sleep(10);
  }
  return arrived;
}

export function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}
