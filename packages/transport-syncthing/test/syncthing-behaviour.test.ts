/**
 * What the Syncthing side adds to the file transport, against a second real pair of
 * instances (the compliance run pauses devices on the global pair): health from REST,
 * a peer instance stopped and started, the own instance stopped, a wrong key, an unknown
 * folder, store-and-forward without requireConnectedPeer, Syncthing's temp files and
 * conflict copies, and no socket off loopback.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestEnvelope } from '@skcomm/compliance-tests';
import { ErrorCode, TransportError, type InboundEnvelope } from '@skcomm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncthingTransport } from '../src/index.js';
import { startSyncthingPair, type SyncthingPair } from '../src/testing/index.js';
import { offLoopback, socketsOf } from './loopback-only.js';
import { freshFingerprint, recordingLogger, transportOn, waitFor, type InstanceEndpoint, type PairEndpoints } from './support.js';

let pair: SyncthingPair;
let endpoints: PairEndpoints;
const running: SyncthingTransport[] = [];

beforeAll(async () => {
  pair = await startSyncthingPair();
  const endpoint = (instance: SyncthingPair['a'], folder: string): InstanceEndpoint => ({ apiUrl: instance.apiUrl, apiKeyFile: instance.apiKeyFile, deviceId: instance.deviceId, folder });
  endpoints = { folderId: pair.folderId, a: endpoint(pair.a, pair.folderOfA), b: endpoint(pair.b, pair.folderOfB) };
});

afterAll(async () => {
  await Promise.all(running.map((transport) => transport.stop()));
  await pair?.stop();
});

async function started(transport: SyncthingTransport): Promise<SyncthingTransport> {
  await transport.start();
  running.push(transport);
  return transport;
}

/** a (on instance a) sending to b (on instance b), each with fresh inboxes. */
async function twoEnds(overrides: Parameters<typeof transportOn>[4] = {}) {
  const fingerprintOfA = freshFingerprint();
  const fingerprintOfB = freshFingerprint();
  const logger = recordingLogger();
  const a = await started(transportOn(endpoints.a, endpoints.b, endpoints.folderId, fingerprintOfA, overrides, logger));
  const b = await started(transportOn(endpoints.b, endpoints.a, endpoints.folderId, fingerprintOfB));
  const envelope = () => createTestEnvelope({ from: fingerprintOfA, to: fingerprintOfB });
  return { a, b, fingerprintOfB, logger, envelope };
}

/** Receives at `transport` until `count` envelopes came, committing each. */
async function receiveAll(transport: SyncthingTransport, count: number): Promise<InboundEnvelope[]> {
  const arrived: InboundEnvelope[] = [];
  await waitFor(`${count} envelope(s) arrived`, async () => {
    for (const envelope of await transport.receive()) {
      arrived.push(envelope);
      await envelope.commit();
    }
    return arrived.length >= count;
  });
  return arrived;
}

function rejectsRetryable(retryable: boolean, pattern: RegExp) {
  return (error: unknown) => TransportError.isTransportError(error) && error.retryable === retryable && pattern.test(error.message);
}

describe('syncthing transport against real Syncthing instances', () => {
  it('reports up with the REST latency and the connected peer', async () => {
    const { a } = await twoEnds();
    const health = await a.healthCheck();
    expect(health).toMatchObject({ status: 'up' });
    expect(health.detail).toContain(`connected to ${endpoints.b.deviceId.slice(0, 7)}`);
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    expect(await a.isAvailable()).toBe(true);
  });

  it('reports the peer disconnected and refuses to send while the peer instance is stopped, and recovers once it runs again', async () => {
    const { a, b, envelope, fingerprintOfB } = await twoEnds();
    await pair.b.stop();
    try {
      await waitFor('a reports down', async () => (await a.healthCheck()).status === 'down');
      const health = await a.healthCheck();
      expect(health.detail).toBe(`peer device ${endpoints.b.deviceId.slice(0, 7)} is not connected`);
      const lost = envelope();
      const failure = await a.send(lost.bytes, { fingerprint: fingerprintOfB }).catch((error: unknown) => error);
      expect(rejectsRetryable(true, /peer device \w{7} is not connected/)(failure)).toBe(true);
      expect((failure as TransportError).code).toBe(ErrorCode.TransportUnavailable);
      // Nothing was written: a refused send never arrives later.
      expect(await readdir(join(endpoints.a.folder, fingerprintOfB)).catch(() => [])).not.toContain(`${lost.envelopeId}.skc.json`);
    } finally {
      await pair.b.start();
    }
    await pair.waitConnected();
    await waitFor('a reports up', async () => (await a.healthCheck()).status === 'up');
    const marker = envelope();
    await a.send(marker.bytes, { fingerprint: fingerprintOfB });
    const [arrived] = await receiveAll(b, 1);
    expect(Buffer.from(arrived?.bytes ?? []).equals(Buffer.from(marker.bytes))).toBe(true);
  });

  it('with requireConnectedPeer off, writes while the peer is stopped and Syncthing delivers once it is back', async () => {
    const { a, b, envelope, fingerprintOfB } = await twoEnds({ requireConnectedPeer: false });
    await pair.b.stop();
    const queued = envelope();
    try {
      await a.send(queued.bytes, { fingerprint: fingerprintOfB });
    } finally {
      await pair.b.start();
    }
    const [arrived] = await receiveAll(b, 1);
    expect(Buffer.from(arrived?.bytes ?? []).equals(Buffer.from(queued.bytes))).toBe(true);
  });

  it('reports down, and refuses to send retryably, while its own Syncthing is not running', async () => {
    const { a, envelope, fingerprintOfB, logger } = await twoEnds();
    await pair.a.stop();
    try {
      const health = await a.healthCheck();
      expect(health.status).toBe('down');
      expect(health.detail).toMatch(/Syncthing REST API GET \/rest\/\S+ at http:\/\/127\.0\.0\.1:\d+ unreachable .*is Syncthing running\?/);
      await expect(a.send(envelope().bytes, { fingerprint: fingerprintOfB })).rejects.toSatisfy(rejectsRetryable(true, /unreachable/));
    } finally {
      await pair.a.start();
    }
    await pair.waitConnected();
    expect(JSON.stringify(logger.lines)).not.toContain(pair.a.apiKey);
  });

  it('reports a rejected API key as down and refuses to send, non-retryably, without ever showing the key', async () => {
    const wrongKey = 'not-the-key-0123456789';
    const { a, envelope, fingerprintOfB, logger } = await twoEnds({ apiKey: wrongKey, apiKeyFile: undefined });
    const health = await a.healthCheck();
    expect(health).toMatchObject({ status: 'down' });
    expect(health.detail).toMatch(/API key was rejected \(HTTP 403\)/);
    const failure = await a.send(envelope().bytes, { fingerprint: fingerprintOfB }).catch((error: unknown) => error);
    expect(rejectsRetryable(false, /API key was rejected/)(failure)).toBe(true);
    expect(JSON.stringify([health, String(failure), logger.lines])).not.toContain(wrongKey);
  });

  it('reports an unknown folder, and a folder whose path is not the root', async () => {
    const unknown = await twoEnds({ folder: 'no-such-folder' });
    expect(await unknown.a.healthCheck()).toMatchObject({ status: 'down', detail: expect.stringMatching(/HTTP 404/) });
    const elsewhere = join(endpoints.a.folder, 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    const misplaced = await twoEnds({ root: elsewhere });
    expect(await misplaced.a.healthCheck()).toMatchObject({ status: 'degraded', detail: expect.stringMatching(/is at .*, not at root .*elsewhere/) });
  });

  it("skips Syncthing's temp files and reports a conflict copy once without delivering it", async () => {
    const fingerprint = freshFingerprint();
    const logger = recordingLogger();
    const receiver = await started(transportOn(endpoints.b, endpoints.a, endpoints.folderId, fingerprint, {}, logger));
    const inbox = join(endpoints.b.folder, fingerprint);
    const original = createTestEnvelope({ from: freshFingerprint(), to: fingerprint });
    const copy = createTestEnvelope({ from: freshFingerprint(), to: fingerprint });
    await writeFile(join(inbox, `.syncthing.${original.envelopeId}.skc.json.tmp`), original.bytes);
    await writeFile(join(inbox, `${original.envelopeId}.skc.sync-conflict-20261129-171600-ABCDEFG.json`), copy.bytes);
    await writeFile(join(inbox, `${original.envelopeId}.skc.json`), original.bytes);
    await sleep(50);
    const first = await receiver.receive();
    const second = await receiver.receive();
    expect(first.map((envelope) => envelope.source)).toEqual([join(inbox, `${original.envelopeId}.skc.json`)]);
    expect(second).toHaveLength(1);
    const conflictWarnings = logger.lines.filter((line) => line.level === 'warn' && /sync conflict copy/.test(line.message));
    expect(conflictWarnings).toHaveLength(1);
  });

  it('never opens a socket off loopback', async () => {
    const { a, b, envelope, fingerprintOfB } = await twoEnds();
    await a.send(envelope().bytes, { fingerprint: fingerprintOfB });
    await receiveAll(b, 1);
    for (const instance of [pair.a, pair.b]) {
      const sockets = await socketsOf(instance.home);
      expect(sockets.length).toBeGreaterThan(0);
      expect(offLoopback(sockets)).toEqual([]);
    }
  });
});
