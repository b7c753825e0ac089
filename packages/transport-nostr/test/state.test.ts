/**
 * The subscription cursor and the committed-id set in the state directory: `since` is
 * the last time everything was committed minus two days, committed wraps are not
 * delivered again after a restart, uncommitted ones are.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AbstractRelay } from 'nostr-tools/abstract-relay';
import { verifyEvent } from 'nostr-tools/pure';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { wrapEnvelope, type NostrTransport } from '../src/index.js';
import { handWrap, nowSeconds, party } from './crafted-events.js';
import { RelayProcess } from './relay/relay-process.js';
import { endpoint, envelopeFor, FINGERPRINT_B, receiveCount, receiveFor, recordingLogger, TempDirs, text, waitFor } from './support.js';

const DAY = 24 * 3600;
const alice = party();
const directories = new TempDirs();
let relay: RelayProcess;
let publisher: AbstractRelay;

beforeAll(async () => {
  relay = await RelayProcess.start();
  publisher = new AbstractRelay(relay.url, { verifyEvent, websocketImplementation: WebSocket as unknown as typeof globalThis.WebSocket });
  await publisher.connect();
});

afterAll(async () => {
  publisher?.close();
  await relay?.kill();
  await directories.cleanup();
});

async function started(stateDir: string, logger = recordingLogger()): Promise<NostrTransport> {
  const transport = endpoint(FINGERPRINT_B, stateDir, { relays: relay.url }, logger);
  await transport.start();
  await waitFor(async () => (await transport.healthCheck()).status === 'up', 'connected');
  return transport;
}

describe('state directory', () => {
  it('does not deliver committed wraps again after a restart, and does deliver uncommitted ones', async () => {
    const stateDir = await directories.make();
    const first = await started(stateDir);
    const committed = envelopeFor().bytes;
    await publisher.publish(wrapEnvelope(committed, alice, first.publicKey));
    const [arrived] = await receiveCount(first, 1);
    expect(text(arrived!.bytes)).toBe(text(committed));
    await first.stop();

    const saved = JSON.parse(await readFile(join(stateDir, 'nostr-state.json'), 'utf8')) as { cursor: number; committed: Record<string, number> };
    expect(Object.keys(saved.committed)).toHaveLength(1);
    expect(Math.abs(saved.cursor - nowSeconds())).toBeLessThan(60);

    const second = await started(stateDir);
    const uncommitted = envelopeFor().bytes;
    await publisher.publish(wrapEnvelope(uncommitted, alice, second.publicKey));
    await waitFor(async () => (await second.receive()).length === 1, 'the second envelope, left uncommitted');
    await second.stop();

    const third = await started(stateDir);
    const again = await receiveCount(third, 1);
    expect(again.map((envelope) => text(envelope.bytes))).toEqual([text(uncommitted)]);
    expect(await receiveFor(third, 300)).toEqual([]);
    await third.stop();
  });

  it('subscribes from the saved cursor minus two days, however long ago that was', async () => {
    const stateDir = await directories.make();
    const probe = endpoint(FINGERPRINT_B, stateDir, { relays: relay.url });
    await writeFile(join(stateDir, 'nostr-state.json'), JSON.stringify({ cursor: nowSeconds() - 5 * DAY, committed: {} }));
    const inWindow = envelopeFor().bytes;
    await publisher.publish(handWrap({ sender: alice, recipient: probe.publicKey, bytes: inWindow, wrapCreatedAt: nowSeconds() - 6.5 * DAY }));
    await publisher.publish(handWrap({ sender: alice, recipient: probe.publicKey, wrapCreatedAt: nowSeconds() - 8 * DAY }));
    const transport = await started(stateDir);
    const arrived = await receiveCount(transport, 1);
    expect(arrived.map((envelope) => text(envelope.bytes))).toEqual([text(inWindow)]);
    expect(await receiveFor(transport, 300)).toEqual([]);
    await transport.stop();
  });

  it('starts afresh, with a warning, from a corrupt state file', async () => {
    const stateDir = await directories.make();
    await writeFile(join(stateDir, 'nostr-state.json'), '{"cursor": "yesterday"');
    const logger = recordingLogger();
    const transport = await started(stateDir, logger);
    expect(logger.lines.some((line) => line.level === 'warn' && /corrupt/.test(line.message))).toBe(true);
    const bytes = envelopeFor().bytes;
    await publisher.publish(wrapEnvelope(bytes, alice, transport.publicKey));
    const [arrived] = await receiveCount(transport, 1);
    expect(text(arrived!.bytes)).toBe(text(bytes));
    await transport.stop();
  });
});
