/**
 * Files between two real agent homes over the reference transport: inline and streamed
 * sends, a transfer cut midway and resumed by running the same send again (also after
 * a "crash": a new Agent on the same home), tampering quarantined with typed codes, and
 * the attachment key nowhere on the receiver's disk or in either agent's logs.
 * (In this package, not in core: core cannot depend on a transport package.)
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Logger, type OutgoingAttachment, type SendOptions, type SendTarget } from '@skcomm/core';
import { Agent, type FileSendPhase, receivedFileOf } from '@skcomm/core/agent';
import { FILE_CONTENT_TYPE, OutgoingTransferStore, prepareOutgoingFile, serializeFileManifest } from '@skcomm/core/files';
import { readConfig, writeConfig } from '@skcomm/core/store';
import { makeTestAgents, type TestAgent, type TestAgents } from '@skcomm/core/testing';
import { memory, MemoryNetwork, type MemoryTransport } from '../src/index.js';

interface Side {
  test: TestAgent;
  agent: Agent;
  transport: MemoryTransport;
  /** Chunk indexes the transport asked for, per sendWithAttachment call. */
  reads: number[][];
}

let agents: TestAgents<'alice' | 'bob'> | undefined;
let sides: Side[] = [];
let scratch = '';
const logLines: string[] = [];

afterEach(async () => {
  await Promise.all(sides.map((side) => side.agent.close()));
  sides = [];
  await agents?.cleanup();
  agents = undefined;
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
  logLines.length = 0;
});

const logger: Logger = {
  debug: (message, fields) => void logLines.push(JSON.stringify({ message, fields })),
  info: (message, fields) => void logLines.push(JSON.stringify({ message, fields })),
  warn: (message, fields) => void logLines.push(JSON.stringify({ message, fields })),
  error: (message, fields) => void logLines.push(JSON.stringify({ message, fields })),
};

/** Alice and Bob, each an Agent over one memory network, with a fast retry schedule. */
async function setUp(options: { aliceStreams?: boolean } = {}) {
  agents = await makeTestAgents(['alice', 'bob']);
  scratch = await mkdtemp(join(tmpdir(), 'skcomm-agent-files-'));
  const network = new MemoryNetwork({ seed: 5, spoolDir: join(scratch, 'spool') });
  for (const test of [agents.alice, agents.bob]) {
    await writeConfig(test.home, { ...(await readConfig(test.home)), retry_schedule_seconds: [0.02] });
  }
  const alice = await openSide(agents.alice, network, options.aliceStreams ?? true);
  const bob = await openSide(agents.bob, network, true);
  return { network, alice, bob };
}

async function openSide(test: TestAgent, network: MemoryNetwork, streams: boolean): Promise<Side> {
  const transport = memory({ network })({ selfFingerprint: test.identity.fingerprint, logger });
  const reads: number[][] = [];
  const send = transport.sendWithAttachment.bind(transport);
  // Counts the chunks each call reads: a resume must read only what the receiver lacks.
  Object.assign(transport, {
    sendWithAttachment: streams
      ? (bytes: Uint8Array, attachment: OutgoingAttachment, target: SendTarget, options?: SendOptions) => {
          const calls: number[] = [];
          reads.push(calls);
          const counted: OutgoingAttachment = {
            id: attachment.id,
            size: attachment.size,
            chunkBytes: attachment.chunkBytes,
            readChunk: (index) => (calls.push(index), attachment.readChunk(index)),
            onProgress: (confirmed, size) => attachment.onProgress?.(confirmed, size),
          };
          return send(bytes, counted, target, options);
        }
      : undefined,
  });
  const agent = await Agent.open({ home: test.home, passphrase: async () => test.passphrase, logger, transports: [transport] });
  await agent.activeTransports(); // started now: a memory endpoint receives only while started
  const side = { test, agent, transport, reads };
  sides.push(side);
  return side;
}

async function writeRandomFile(name: string, size: number): Promise<{ path: string; bytes: Buffer; sha256: string }> {
  const bytes = randomBytes(size);
  const path = join(scratch, name);
  await writeFile(path, bytes);
  return { path, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Every file under `directory`, recursively. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function expectKeyNowhere(key: string, home: string): Promise<void> {
  for (const path of await filesUnder(home)) expect((await readFile(path)).includes(key), `the file key is in ${path}`).toBe(false);
  expect(logLines.filter((line) => line.includes(key))).toEqual([]);
}

async function transferKeys(home: string): Promise<string[]> {
  return (await new OutgoingTransferStore(join(home, 'queue', 'files')).list()).map((record) => record.manifest.key);
}

describe('agent.sendFile', () => {
  it('sends a small file inline through the normal path; the receiver saves it and acks', async () => {
    const { alice, bob } = await setUp({ aliceStreams: false });
    const file = await writeRandomFile('notes.bin', 10_000);
    const phases: FileSendPhase[] = [];
    const report = await alice.agent.sendFile('bob', file.path, { name: 'notes.txt', mediaType: 'text/plain', onProgress: (phase) => void phases.push(phase) });
    expect(report).toMatchObject({ state: 'handed-off', transport: 'memory', file: { name: 'notes.txt', size: 10_000, sha256: file.sha256, method: 'inline' } });
    expect(phases).toEqual(['hashing', 'sending']);

    const received = await bob.agent.receive();
    expect(received.rejected).toEqual([]);
    const [message] = received.messages;
    expect(message).toMatchObject({ type: 'file', from: { name: 'alice' } });
    const saved = receivedFileOf(message!);
    expect(saved).toMatchObject({ name: 'notes.txt', size: 10_000, sha256: file.sha256, media_type: 'text/plain' });
    expect(saved!.path).toBe(join(bob.test.home, 'files', 'received', 'notes.txt'));
    expect(await readFile(saved!.path)).toEqual(file.bytes);
    expect(message!.body).not.toContain('"data"');

    await alice.agent.receive();
    expect((await alice.agent.outbox()).get(report.envelope_id)?.state).toBe('delivered');
  });

  it('streams a large file beside a sealed manifest, waits for the ack, and the key stays out of every record', async () => {
    const { alice, bob } = await setUp();
    const file = await writeRandomFile('video.bin', 3 * 1024 * 1024 + 17);
    const progress: Array<[FileSendPhase, number, number]> = [];
    const stop = new AbortController();
    let key = '';
    const receiving = (async () => {
      while (!stop.signal.aborted) {
        key ||= (await transferKeys(alice.test.home))[0] ?? '';
        await bob.agent.receive();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const report = await alice.agent.sendFile('bob', file.path, { waitMs: 30_000, onProgress: (...event) => void progress.push(event) });
    stop.abort();
    await receiving;
    expect(report).toMatchObject({ state: 'delivered', transport: 'memory', file: { name: 'video.bin', size: file.bytes.length, method: 'stream', resumed: false } });
    expect(report.file.transfer_id).toMatch(/^[0-9a-f]{32}$/);
    for (const phase of ['hashing', 'sending'] as const) {
      const values = progress.filter(([name]) => name === phase).map(([, done]) => done);
      expect(values.every((value, index) => index === 0 || value >= values[index - 1]!)).toBe(true);
      expect(values.at(-1)).toBe(file.bytes.length);
    }
    expect(await transferKeys(alice.test.home)).toEqual([]);

    const [message] = await bob.agent.unread();
    expect(message).toMatchObject({ type: 'webrtc_file', contentType: FILE_CONTENT_TYPE, envelopeId: report.envelope_id });
    const saved = receivedFileOf(message!);
    expect(saved).toMatchObject({ name: 'video.bin', size: file.bytes.length, sha256: file.sha256 });
    expect(createHash('sha256').update(await readFile(saved!.path)).digest('hex')).toBe(file.sha256);
    expect(JSON.parse(message!.body)).not.toHaveProperty('key');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expectKeyNowhere(key, bob.test.home);
    expect(await readdir(join(scratch, 'spool'))).toEqual([]);
  });

  it('a transfer cut midway fails for now; the same send after a restart resumes, reading only the missing chunks', async () => {
    const { network, alice, bob } = await setUp();
    const file = await writeRandomFile('dataset.bin', 2 * 1024 * 1024);
    // The way goes down once Bob holds 16 chunks (about 1 MB): every retry then fails.
    const first = await alice.agent.sendFile('bob', file.path, {
      onProgress: (phase, done) => {
        if (phase === 'sending' && done >= 1_000_000) network.faults.set({ down: true });
      },
    });
    expect(first).toMatchObject({ state: 'queued', file: { method: 'stream', resumed: false } });
    expect(first.reason).toMatch(/run the same send again to resume/);
    expect(first.attempts.length).toBeGreaterThan(1);
    expect(first.attempts.every((attempt) => attempt.outcome === 'failed' && attempt.error?.retryable === true)).toBe(true);
    expect(alice.reads[0]).toEqual(Array.from({ length: 16 }, (_, index) => index));
    expect(await bob.agent.receive()).toMatchObject({ messages: [], rejected: [] });

    // A crash: the process is gone; a new one opens the same home and runs the same send.
    await alice.agent.close();
    sides = sides.filter((side) => side !== alice);
    await alice.transport.stop();
    network.faults.set({ down: false });
    const reborn = await openSide(alice.test, network, true);
    const second = await reborn.agent.sendFile('bob', file.path);
    expect(second).toMatchObject({ state: 'handed-off', envelope_id: first.envelope_id, file: { transfer_id: first.file.transfer_id, resumed: true } });
    const chunks = Math.ceil(file.bytes.length / 65_520);
    expect(reborn.reads).toEqual([Array.from({ length: chunks - 16 }, (_, index) => 16 + index)]);

    const [message] = (await bob.agent.receive()).messages;
    expect(createHash('sha256').update(await readFile(receivedFileOf(message!)!.path)).digest('hex')).toBe(file.sha256);
    await reborn.agent.receive();
    expect(await transferKeys(alice.test.home)).toEqual([]);
  });

  it('retries a transfer that keeps being cut, each retry resuming, until it is through', async () => {
    const { network, alice, bob } = await setUp();
    network.faults.set({ attachmentCutAfterChunks: 8 });
    const file = await writeRandomFile('flaky.bin', 40 * 65_520);
    const report = await alice.agent.sendFile('bob', file.path);
    expect(report.state).toBe('handed-off');
    expect(report.attempts.map((attempt) => attempt.outcome)).toEqual(['failed', 'failed', 'failed', 'failed', 'handed-off']);
    expect(alice.reads.flat()).toEqual(Array.from({ length: 40 }, (_, index) => index));
    const [message] = (await bob.agent.receive()).messages;
    expect(receivedFileOf(message!)?.sha256).toBe(file.sha256);
  });

  it('refuses a large file with a typed error naming the need when no transport streams files', async () => {
    const { alice } = await setUp({ aliceStreams: false });
    const file = await writeRandomFile('big.bin', 300 * 1024);
    await expect(alice.agent.sendFile('bob', file.path)).rejects.toMatchObject({
      code: 'E_NO_ROUTE',
      message: expect.stringMatching(/sendWithAttachment\(\) \(such as webrtc\); none of the configured transports \(memory\) can/),
    });
    expect(await transferKeys(alice.test.home)).toEqual([]);
  });
});

describe('receiving files: bad input is quarantined with a typed code, the loop goes on', () => {
  it('a tampered attachment: E_FILE_INTEGRITY, nothing saved, the spool file gone, the key nowhere', async () => {
    const { network, alice, bob } = await setUp();
    const file = await writeRandomFile('secret.bin', 600_000);
    await alice.agent.sendFile('bob', file.path);
    const [key] = await transferKeys(alice.test.home);
    const [pending] = network.mailbox(bob.test.identity.fingerprint).pending();
    const ciphertext = await readFile(pending!.attachment!.path);
    ciphertext[300_000] = (ciphertext[300_000] ?? 0) ^ 0x01;
    await writeFile(pending!.attachment!.path, ciphertext);

    const result = await bob.agent.receive();
    expect(result.messages).toEqual([]);
    expect(result.rejected).toMatchObject([{ code: 'E_FILE_INTEGRITY', transport: 'memory' }]);
    expect((await bob.test.quarantine.list()).map((record) => record.code)).toEqual(['E_FILE_INTEGRITY']);
    expect(await filesUnder(join(bob.test.home, 'files'))).toEqual([]);
    expect(await readdir(join(scratch, 'spool'))).toEqual([]);
    await expectKeyNowhere(key!, bob.test.home);

    await alice.agent.send('bob', { body: 'still listening?' });
    expect((await bob.agent.receive()).messages.map((message) => message.body)).toEqual(['still listening?']);
  });

  it('a signed manifest that lies about the file, one that is malformed, one without its attachment: each quarantined', async () => {
    const { alice, bob } = await setUp();
    const file = await writeRandomFile('liar.bin', 300_000);
    const outgoing = await prepareOutgoingFile(file.path);
    const seal = (body: string) => alice.test.seal(bob.test, { type: 'webrtc_file', contentType: FILE_CONTENT_TYPE, body });
    const target = { fingerprint: bob.test.identity.fingerprint };
    const encode = async (body: string) => new TextEncoder().encode(JSON.stringify(await seal(body)));
    try {
      const lying = serializeFileManifest({ ...outgoing.manifest, sha256: '0'.repeat(64) });
      await alice.transport.sendWithAttachment(await encode(lying), outgoing.attachment, target);
      await alice.transport.send(await encode('{"ctx":"skcomm/file/v1","transfer_id":"nope"}'), target);
      await alice.transport.send(await encode(serializeFileManifest(outgoing.manifest)), target);
    } finally {
      await outgoing.close();
    }
    const result = await bob.agent.receive();
    expect(result.messages).toEqual([]);
    expect(result.rejected.map((rejection) => rejection.code).sort()).toEqual(['E_FILE_INTEGRITY', 'E_FILE_INTEGRITY', 'E_FILE_MANIFEST']);
    expect(result.rejected.find((rejection) => rejection.code === 'E_FILE_MANIFEST')?.field).toBe('transfer_id');
    expect(result.rejected.some((rejection) => /without its attachment/.test(rejection.message))).toBe(true);
    expect(await filesUnder(join(bob.test.home, 'files'))).toEqual([]);
    await expectKeyNowhere(outgoing.manifest.key, bob.test.home);
  });
});
