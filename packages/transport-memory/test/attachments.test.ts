import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, TransportError, type OutgoingAttachment } from '@skcomm/core';
import { memory, MemoryNetwork } from '../src/index.js';
import { contextFor, FINGERPRINT_A, FINGERPRINT_B, labelOf, payload } from './support.js';

let spoolDir = '';
beforeEach(async () => {
  spoolDir = await mkdtemp(join(tmpdir(), 'skcomm-memory-attachments-'));
});
afterEach(async () => {
  await rm(spoolDir, { recursive: true, force: true });
});

async function started(init: { maxAttachmentBytes?: number } = {}) {
  const network = new MemoryNetwork({ seed: 3, spoolDir });
  const a = memory({ network, ...init })(contextFor(FINGERPRINT_A));
  const b = memory({ network })(contextFor(FINGERPRINT_B));
  await Promise.all([a.start(), b.start()]);
  return { network, a, b };
}

/** `count` chunks of `chunkBytes` (the last one shorter), each filled with its index. */
function attachment(count: number, chunkBytes = 1024, id = 'ab'.repeat(16)) {
  const size = (count - 1) * chunkBytes + 100;
  const reads: number[] = [];
  const progress: number[] = [];
  const bytes = new Uint8Array(size).map((_, offset) => Math.floor(offset / chunkBytes));
  const outgoing: OutgoingAttachment = {
    id,
    size,
    chunkBytes,
    async readChunk(index) {
      reads.push(index);
      return bytes.slice(index * chunkBytes, Math.min(size, (index + 1) * chunkBytes));
    },
    onProgress: (confirmed) => void progress.push(confirmed),
  };
  return { outgoing, bytes, reads, progress };
}

async function rejection(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!TransportError.isTransportError(error)) throw new Error(`expected a TransportError, got ${String(error)}`);
  return error;
}

describe('sendWithAttachment', () => {
  it('spools the ciphertext to a file, delivers the envelope once it is complete, and commit deletes the file', async () => {
    const { network, a, b } = await started();
    const sent = attachment(40);
    const result = await a.sendWithAttachment(payload('with file'), sent.outgoing, { fingerprint: FINGERPRINT_B });
    expect(result.detail).toBe(`memory:${FINGERPRINT_B} with attachment ${sent.outgoing.id}`);
    expect(sent.progress.at(-1)).toBe(sent.outgoing.size);
    const [inbound] = await b.receive();
    expect(labelOf(inbound!.bytes)).toBe('with file');
    expect(inbound!.attachment).toMatchObject({ id: sent.outgoing.id, size: sent.outgoing.size, chunkBytes: 1024 });
    expect(new Uint8Array(await readFile(inbound!.attachment!.path))).toEqual(sent.bytes);
    await inbound!.commit();
    expect(await readdir(spoolDir)).toEqual([]);
    expect(network.spooledAttachments).toBe(0);
    expect(await b.receive()).toEqual([]);
  });

  it('a cut fault breaks each call after N chunks (retryable); every call resumes, reading each chunk once', async () => {
    const { network, a, b } = await started();
    network.faults.set({ attachmentCutAfterChunks: 15 });
    const sent = attachment(40);
    const errors: TransportError[] = [];
    for (;;) {
      const outcome = await a.sendWithAttachment(payload('resumed'), sent.outgoing, { fingerprint: FINGERPRINT_B }).catch((error: unknown) => error);
      if (!TransportError.isTransportError(outcome)) break;
      errors.push(outcome);
    }
    expect(errors.map((error) => [error.retryable, error.code])).toEqual([
      [true, ErrorCode.TransportUnavailable],
      [true, ErrorCode.TransportUnavailable],
    ]);
    expect(errors[0]!.message).toMatch(/cut by a fault after 15 chunk\(s\); 15360 of 40036 bytes/);
    expect(sent.reads).toEqual(Array.from({ length: 40 }, (_, index) => index));
    const [inbound] = await b.receive();
    expect(new Uint8Array(await readFile(inbound!.attachment!.path))).toEqual(sent.bytes);
  });

  it('down midway: the chunks synced before stay, a retry reads only the rest', async () => {
    const { network, a, b } = await started();
    const sent = attachment(64);
    const readChunk = sent.outgoing.readChunk.bind(sent.outgoing);
    let cut = false;
    sent.outgoing.readChunk = async (index) => {
      if (index === 40 && !cut) {
        cut = true;
        network.faults.set({ down: true });
      }
      return readChunk(index);
    };
    const error = await rejection(a.sendWithAttachment(payload('x'), sent.outgoing, { fingerprint: FINGERPRINT_B }));
    expect(error.retryable).toBe(true);
    expect(sent.progress.at(-1)).toBe(32 * 1024);
    network.faults.set({ down: false });
    sent.reads.length = 0;
    await a.sendWithAttachment(payload('x'), sent.outgoing, { fingerprint: FINGERPRINT_B });
    expect(sent.reads).toEqual(Array.from({ length: 32 }, (_, index) => 32 + index));
    expect(sent.progress.filter((value, index) => index > 0 && value < sent.progress[index - 1]!)).toEqual([]);
    expect((await b.receive()).length).toBe(1);
  });

  it('a second call while the envelope waits uncommitted delivers nothing more and reads nothing', async () => {
    const { a, b } = await started();
    const sent = attachment(3);
    await a.sendWithAttachment(payload('once'), sent.outgoing, { fingerprint: FINGERPRINT_B });
    await a.sendWithAttachment(payload('once'), sent.outgoing, { fingerprint: FINGERPRINT_B });
    expect(sent.reads).toEqual([0, 1, 2]);
    expect((await b.receive()).map((envelope) => labelOf(envelope.bytes))).toEqual(['once']);
  });

  it('concurrent calls for one attachment move each chunk once', async () => {
    const { a, b } = await started();
    const sent = attachment(20);
    await Promise.all([1, 2, 3].map(() => a.sendWithAttachment(payload('raced'), sent.outgoing, { fingerprint: FINGERPRINT_B })));
    expect(sent.reads.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect((await b.receive()).length).toBe(1);
  });

  it('refuses, not retryably and before reading, an attachment over maxAttachmentBytes or malformed', async () => {
    const { a } = await started({ maxAttachmentBytes: 4096 });
    expect(a.traits.maxAttachmentBytes).toBe(4096);
    const tooLarge = attachment(5);
    const error = await rejection(a.sendWithAttachment(payload('x'), tooLarge.outgoing, { fingerprint: FINGERPRINT_B }));
    expect([error.code, error.retryable]).toEqual([ErrorCode.EnvelopeTooLarge, false]);
    for (const broken of [attachment(2, 1024, '../etc'), { ...attachment(2).outgoing, chunkBytes: 0 }, { ...attachment(2).outgoing, size: -1 }]) {
      const outgoing = 'outgoing' in broken ? broken.outgoing : broken;
      expect((await rejection(a.sendWithAttachment(payload('x'), outgoing, { fingerprint: FINGERPRINT_B }))).retryable).toBe(false);
    }
    expect(tooLarge.reads).toEqual([]);
  });

  it('a chunk of the wrong length is a sender bug: not retryable', async () => {
    const { a } = await started();
    const sent = attachment(3);
    sent.outgoing.readChunk = async () => new Uint8Array(7);
    const error = await rejection(a.sendWithAttachment(payload('x'), sent.outgoing, { fingerprint: FINGERPRINT_B }));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/readChunk\(0\) returned 7 bytes, expected 1024/);
  });

  it('partial data survives the receiver restarting (a new transport for the same fingerprint)', async () => {
    const { network, a, b } = await started();
    network.faults.set({ attachmentCutAfterChunks: 16 });
    const sent = attachment(20);
    await rejection(a.sendWithAttachment(payload('x'), sent.outgoing, { fingerprint: FINGERPRINT_B }));
    await b.stop();
    const reborn = memory({ network })(contextFor(FINGERPRINT_B));
    await reborn.start();
    network.faults.set({ attachmentCutAfterChunks: null });
    sent.reads.length = 0;
    await a.sendWithAttachment(payload('x'), sent.outgoing, { fingerprint: FINGERPRINT_B });
    expect(sent.reads).toEqual([16, 17, 18, 19]);
    const [inbound] = await reborn.receive();
    expect(new Uint8Array(await readFile(inbound!.attachment!.path))).toEqual(sent.bytes);
  });
});
