/**
 * sendWithAttachment between two real werift peers on 127.0.0.1 (negotiated through a real
 * relay's broker): a large attachment arrives byte-identical with monotonic progress; a
 * link cut or a receiver restart mid-transfer resumes with only the missing chunks; limits
 * refuse without retry; commit() empties the spool.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type InboundEnvelope, type Logger, type OutgoingAttachment, silentLogger, TransportError } from '@skcomm/core';
import { encodeFileData, encodeFileEnvelope, encodeFileHave, encodeFileOffer } from '../src/file-frames.js';
import type { WebrtcTransport } from '../src/webrtc-transport.js';
import { type Broker, contextFor, startBroker, testIdentities, transportFor, waitFor } from './support.js';
import { webrtc, type WebrtcTransportInit } from '../src/index.js';

let broker: Broker | undefined;
const transports: WebrtcTransport[] = [];
const directories: string[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.stop()));
  await broker?.destroy();
  broker = undefined;
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

const MiB = 1024 * 1024;
const CHUNK = 65_536;

async function stateDir(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'skcomm-webrtc-files-test-'));
  directories.push(directory);
  return directory;
}

async function receiverFor(
  identity: Awaited<ReturnType<typeof testIdentities>>[number],
  directory: string,
  init: Partial<WebrtcTransportInit> = {},
  logger: Logger = silentLogger,
): Promise<WebrtcTransport> {
  const transport = webrtc({ signal: broker!.url, connectTimeoutMs: 5_000, sendTimeoutMs: 5_000, reconnectBaseMs: 20, reconnectMaxMs: 200, ...init })({
    ...contextFor(identity),
    logger,
    stateDir: directory,
  });
  transports.push(transport);
  await transport.start();
  return transport;
}

/** An attachment over `content` that records which chunks were read and every progress report. */
function attachmentOf(content: Buffer, id = randomBytes(16).toString('hex'), chunkBytes = CHUNK) {
  const reads: number[] = [];
  const progress: Array<[number, number]> = [];
  const attachment: OutgoingAttachment & { reads: number[]; progress: Array<[number, number]> } = {
    id,
    size: content.length,
    chunkBytes,
    reads,
    progress,
    async readChunk(index) {
      reads.push(index);
      return content.subarray(index * chunkBytes, (index + 1) * chunkBytes);
    },
    onProgress(confirmed, size) {
      progress.push([confirmed, size]);
    },
  };
  return attachment;
}

function expectMonotonic(progress: Array<[number, number]>, size: number): void {
  for (let index = 1; index < progress.length; index++) expect(progress[index]![0]).toBeGreaterThan(progress[index - 1]![0]);
  for (const [, total] of progress) expect(total).toBe(size);
}

const envelopeBytes = (id: string) => Buffer.from(JSON.stringify({ envelope_id: id }));

async function nextInbound(transport: WebrtcTransport): Promise<InboundEnvelope> {
  let found: InboundEnvelope | undefined;
  await waitFor(async () => (found = (await transport.receive({ limit: 1 }))[0]) !== undefined, 'the envelope with its attachment', 20_000);
  return found!;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface LinkInternals {
  connection: { close(): Promise<void> };
  writer: { writeControl(frame: Buffer): void };
  lanes: Array<{ writeControl(frame: Buffer): void }>;
  channel: { send(data: string): void };
}

/** The transport's open link to `peer`, reached underneath its API (to break it the way a network or a bad peer would). */
function linkOf(transport: WebrtcTransport, peer: string): LinkInternals {
  return (transport as unknown as { links: { links: Map<string, LinkInternals> } }).links.links.get(peer)!;
}

/** Closes the peer connection underneath the transport, as a network failure would. */
function cutLink(transport: WebrtcTransport, peer: string): void {
  void linkOf(transport, peer).connection.close();
}

describe('sendWithAttachment', () => {
  it('carries 24 MiB byte-identical, with monotonic progress up to the size, and commit() empties the spool', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const directory = await stateDir();
    const a = transportFor(alice!, broker.url);
    transports.push(a);
    await a.start();
    const b = await receiverFor(bob!, directory);
    expect(a.traits.maxAttachmentBytes).toBe(16 * 1024 * MiB);
    const content = randomBytes(24 * MiB + 12_345);
    const attachment = attachmentOf(content);
    await a.sendWithAttachment(envelopeBytes('with-file'), attachment, { fingerprint: bob!.fingerprint });
    expect(attachment.reads).toHaveLength(Math.ceil(content.length / CHUNK));
    expectMonotonic(attachment.progress, content.length);
    expect(attachment.progress[0]![0]).toBe(0);
    expect(attachment.progress.at(-1)![0]).toBe(content.length);
    const inbound = await nextInbound(b);
    expect(Buffer.from(inbound.bytes).toString()).toBe(envelopeBytes('with-file').toString());
    expect(inbound.attachment).toMatchObject({ id: attachment.id, size: content.length, chunkBytes: CHUNK });
    expect(sha256(await readFile(inbound.attachment!.path))).toBe(sha256(content));
    await inbound.commit();
    expect(await readdir(join(directory, 'files'))).toEqual([]);
    expect(await b.receive()).toEqual([]);
  }, 60_000);

  it('resumes after the link is cut mid-transfer: a retryable error, then a second call reads only the missing chunks', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url);
    transports.push(a);
    await a.start();
    const b = await receiverFor(bob!, await stateDir());
    const content = randomBytes(24 * MiB);
    const count = content.length / CHUNK;
    const first = attachmentOf(content);
    first.onProgress = (confirmed, size) => {
      first.progress.push([confirmed, size]);
      if (confirmed >= 6 * MiB && first.progress.length > 0 && !cut) {
        cut = true;
        cutLink(a, bob!.fingerprint);
      }
    };
    let cut = false;
    const failure = await a.sendWithAttachment(envelopeBytes('cut'), first, { fingerprint: bob!.fingerprint }).catch((error: unknown) => error);
    expect(TransportError.isTransportError(failure)).toBe(true);
    expect(failure).toMatchObject({ retryable: true, code: ErrorCode.TransportUnavailable });
    expect(first.reads.length).toBeLessThan(count);

    const second = attachmentOf(content, first.id);
    await a.sendWithAttachment(envelopeBytes('cut'), second, { fingerprint: bob!.fingerprint });
    const resumedAt = second.progress[0]![0];
    expect(resumedAt).toBeGreaterThanOrEqual(6 * MiB);
    // Exactly the chunks the receiver lacked, each once: none it had confirmed.
    expect(second.reads).toHaveLength(count - resumedAt / CHUNK);
    expect(new Set(second.reads).size).toBe(second.reads.length);
    expect(new Set([...first.reads, ...second.reads]).size).toBe(count);
    expectMonotonic(second.progress, content.length);
    expect(second.progress.at(-1)![0]).toBe(content.length);
    const inbound = await nextInbound(b);
    expect(sha256(await readFile(inbound.attachment!.path))).toBe(sha256(content));
    await inbound.commit();
  }, 60_000);

  it('resumes after the receiver restarts with the same state directory mid-transfer', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const directory = await stateDir();
    const a = transportFor(alice!, broker.url);
    transports.push(a);
    await a.start();
    const b1 = await receiverFor(bob!, directory);
    const content = randomBytes(16 * MiB + 1);
    const count = Math.ceil(content.length / CHUNK);
    const first = attachmentOf(content);
    let stopping: Promise<void> | undefined;
    first.onProgress = (confirmed) => {
      if (confirmed >= 4 * MiB) stopping ??= b1.stop();
    };
    await expect(a.sendWithAttachment(envelopeBytes('restart'), first, { fingerprint: bob!.fingerprint })).rejects.toMatchObject({ retryable: true });
    await stopping;
    expect((await readdir(join(directory, 'files'))).sort()).toEqual([`${first.id}.json`, `${first.id}.part`]);

    const b2 = await receiverFor(bob!, directory);
    const second = attachmentOf(content, first.id);
    await a.sendWithAttachment(envelopeBytes('restart'), second, { fingerprint: bob!.fingerprint });
    const resumedAt = second.progress[0]![0];
    expect(resumedAt).toBeGreaterThanOrEqual(4 * MiB);
    expect(second.reads).toHaveLength(count - resumedAt / CHUNK);
    const inbound = await nextInbound(b2);
    expect(sha256(await readFile(inbound.attachment!.path))).toBe(sha256(content));
    await inbound.commit();
    expect(await readdir(join(directory, 'files'))).toEqual([]);
  }, 60_000);

  it('refuses an attachment over the limit without retry: locally, and when only the receiver\'s limit is lower', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url, { maxAttachmentBytes: 4 * MiB });
    transports.push(a);
    await a.start();
    const b = await receiverFor(bob!, await stateDir(), { maxAttachmentBytes: MiB });
    const local = attachmentOf(randomBytes(4 * MiB + 1));
    await expect(a.sendWithAttachment(envelopeBytes('big'), local, { fingerprint: bob!.fingerprint })).rejects.toMatchObject({ retryable: false });
    const remote = attachmentOf(randomBytes(2 * MiB));
    await expect(a.sendWithAttachment(envelopeBytes('big'), remote, { fingerprint: bob!.fingerprint })).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('larger than the receiver takes'),
    });
    expect(remote.reads).toEqual([]);
    expect(await b.receive()).toEqual([]);
  });

  it('refuses a second transfer from the same peer as busy (retryable) while maxFileTransfersPerPeer are running', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url);
    transports.push(a);
    await a.start();
    const b = await receiverFor(bob!, await stateDir(), { maxFileTransfersPerPeer: 1 });
    const target = { fingerprint: bob!.fingerprint };
    await a.send(envelopeBytes('warm-up'), target);
    const [big, small] = [attachmentOf(randomBytes(8 * MiB)), attachmentOf(randomBytes(CHUNK))];
    const results = await Promise.allSettled([a.sendWithAttachment(envelopeBytes('one'), big, target), a.sendWithAttachment(envelopeBytes('two'), small, target)]);
    expect(results[0].status).toBe('fulfilled');
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { retryable: true, code: ErrorCode.TransportLoad } });
    await a.sendWithAttachment(envelopeBytes('two'), small, target);
    expect((await b.receive()).map((inbound) => inbound.attachment?.id).filter(Boolean)).toEqual([big.id, small.id]);
  }, 30_000);

  it('stops on abort with the signal\'s reason and keeps the partial for the next call', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url);
    transports.push(a);
    await a.start();
    const b = await receiverFor(bob!, await stateDir());
    const content = randomBytes(8 * MiB);
    const controller = new AbortController();
    const first = attachmentOf(content);
    first.onProgress = (confirmed) => confirmed >= 2 * MiB && controller.abort(new Error('user cancelled'));
    await expect(a.sendWithAttachment(envelopeBytes('abort'), first, { fingerprint: bob!.fingerprint }, { signal: controller.signal })).rejects.toThrow('user cancelled');
    const second = attachmentOf(content, first.id);
    await a.sendWithAttachment(envelopeBytes('abort'), second, { fingerprint: bob!.fingerprint });
    expect(second.progress[0]![0]).toBeGreaterThanOrEqual(2 * MiB);
    const inbound = await nextInbound(b);
    expect(sha256(await readFile(inbound.attachment!.path))).toBe(sha256(content));
    await inbound.commit();
  }, 30_000);

  it('sends the same attachment again after the receiver committed it: no chunk is read and the envelope alone is delivered once more, each time', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const directory = await stateDir();
    const a = transportFor(alice!, broker.url);
    transports.push(a);
    await a.start();
    const warnings: string[] = [];
    const b = await receiverFor(bob!, directory, {}, { ...silentLogger, warn: (message, fields) => void warnings.push(`${message}: ${String(fields?.error)}`) });
    const target = { fingerprint: bob!.fingerprint };
    const content = randomBytes(3 * MiB + 777);
    const envelope = envelopeBytes('sent-again');
    const first = attachmentOf(content);
    await a.sendWithAttachment(envelope, first, target);
    await (await nextInbound(b)).commit();
    expect(await readdir(join(directory, 'files'))).toEqual([]);
    // The recipient's end-to-end ack was lost: the sender's agent sends the same again, twice.
    for (const round of [2, 3]) {
      const again = attachmentOf(content, first.id);
      await a.sendWithAttachment(envelope, again, target);
      expect(again.reads, `round ${round}`).toEqual([]);
      expect(again.progress.at(-1), `round ${round}`).toEqual([content.length, content.length]);
      const arrived = await b.receive();
      expect(arrived, `round ${round}`).toHaveLength(1);
      expect(Buffer.from(arrived[0]!.bytes).equals(envelope)).toBe(true);
      expect(arrived[0]!.attachment).toBeUndefined();
      await arrived[0]!.commit();
      expect(await b.receive()).toEqual([]);
      expect(await readdir(join(directory, 'files'))).toEqual([]);
    }
    expect(warnings).toEqual([]);
    // Nothing is missing, so a chunk for the offer of a committed attachment breaks the protocol.
    const link = linkOf(a, bob!.fingerprint);
    link.writer.writeControl(encodeFileOffer(first.id, content.length, CHUNK, envelope.length));
    // Tokens 1-3 went to the three calls above on this link; the lane frame may overtake the offer, so repeat it.
    const timer = setInterval(() => link.lanes[0]!.writeControl(encodeFileData(4, 0, content.subarray(0, 100), 100)[0]!), 20);
    try {
      await waitFor(() => warnings.length > 0 && b.connections().length === 0, 'b to drop the link');
    } finally {
      clearInterval(timer);
    }
    expect(warnings.at(-1)).toContain('which the receiver committed before');
  }, 30_000);

  it('acknowledges the envelope delivered again without queuing it twice while it waits uncommitted', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url);
    transports.push(a);
    await a.start();
    const b = await receiverFor(bob!, await stateDir());
    const target = { fingerprint: bob!.fingerprint };
    const content = randomBytes(5 * CHUNK + 1);
    const envelope = envelopeBytes('uncommitted-again');
    const first = attachmentOf(content);
    await a.sendWithAttachment(envelope, first, target);
    await (await nextInbound(b)).commit();
    await a.sendWithAttachment(envelope, attachmentOf(content, first.id), target);
    // Its FILE_DONE was lost, say: the same again before the application commits it.
    const repeat = attachmentOf(content, first.id);
    await a.sendWithAttachment(envelope, repeat, target);
    expect(repeat.reads).toEqual([]);
    const waiting = await b.receive();
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.attachment).toBeUndefined();
    await waiting[0]!.commit();
    expect(await b.receive()).toEqual([]);
    // Committed now: the next call delivers it once more.
    await a.sendWithAttachment(envelope, attachmentOf(content, first.id), target);
    expect(await b.receive()).toHaveLength(1);
  }, 30_000);

  it('carries an empty attachment and one of a single short chunk', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url, { fileLanes: 2 });
    transports.push(a);
    await a.start();
    const b = await receiverFor(bob!, await stateDir(), { fileLanes: 3 });
    for (const content of [Buffer.alloc(0), randomBytes(100)]) {
      const attachment = attachmentOf(content);
      await a.sendWithAttachment(envelopeBytes('small'), attachment, { fingerprint: bob!.fingerprint });
      const inbound = await nextInbound(b);
      expect(inbound.attachment?.size).toBe(content.length);
      expect((await readFile(inbound.attachment!.path)).equals(content)).toBe(true);
      await inbound.commit();
    }
  });

  it('closes the link with a warning on malformed file frames, and keeps working', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url);
    transports.push(a);
    await a.start();
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message, fields) => void warnings.push(`${message}: ${String(fields?.error)}`) };
    const b = await receiverFor(bob!, await stateDir(), {}, logger);
    const target = { fingerprint: bob!.fingerprint };
    const id = randomBytes(16).toString('hex');
    const attacks: Array<[string, string, (link: LinkInternals) => void]> = [
      ['a truncated FILE_OFFER', 'FILE_OFFER frame has the wrong length', (link) => link.writer.writeControl(encodeFileOffer(id, 10, 5, 3).subarray(0, 20))],
      ['FILE_DATA on channel 0', 'FILE_DATA on channel 0', (link) => link.writer.writeControl(encodeFileData(1, 0, Buffer.alloc(10), 100)[0]!)],
      ['FILE_ENVELOPE for no transfer', 'not being received', (link) => link.writer.writeControl(encodeFileEnvelope(id, Buffer.from('{}'), 100)[0]!)],
      ['FILE_HAVE on a lane', 'file-have on a file lane', (link) => link.lanes[0]!.writeControl(encodeFileHave(id, 1))],
      [
        'FILE_DATA past the last chunk of an accepted offer',
        'FILE_DATA for chunk 50 of 10',
        (link) => {
          link.writer.writeControl(encodeFileOffer(id, 1000, 100, 2));
          // Token 1 is the first transfer the receiver accepts on this link; the lane frame may overtake the offer, so repeat it.
          const timer = setInterval(() => link.lanes[0]!.writeControl(encodeFileData(1, 50, Buffer.alloc(10), 100)[0]!), 20);
          setTimeout(() => clearInterval(timer), 2_000).unref();
        },
      ],
      ['a text message on a lane', 'text message on a file lane', (link) => (link.lanes[0] as unknown as { channel: { send(text: string): void } }).channel.send('hello')],
    ];
    for (const [what, why, attack] of attacks) {
      await a.send(envelopeBytes(`before ${what}`), target);
      const before = warnings.length;
      attack(linkOf(a, bob!.fingerprint));
      await waitFor(() => warnings.length > before && b.connections().length === 0, `b to drop the link after ${what}`);
      expect(warnings.at(-1)).toContain('broke the data-channel protocol');
      expect(warnings.at(-1)).toContain(why);
    }
    const attachment = attachmentOf(randomBytes(3 * CHUNK));
    await a.sendWithAttachment(envelopeBytes('after'), attachment, target);
    const envelopes = await b.receive();
    expect(envelopes.filter((inbound) => inbound.attachment?.id === attachment.id)).toHaveLength(1);
  }, 30_000);
});
