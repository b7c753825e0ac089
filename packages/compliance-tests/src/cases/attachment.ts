/**
 * Cases for the optional `sendWithAttachment` capability. A transport without it gets
 * "not applicable" with the reason; one with it must move the attachment byte-exact to a
 * file, report progress, delete the file on commit, refuse what exceeds its declared
 * limit, never deliver one attachment twice while it waits, deliver it again once it was
 * committed (a lost end-to-end ack is recovered that way), and resume a cut transfer.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { attachmentChunkCount, seededRandom, TransportError, type InboundEnvelope, type OutgoingAttachment, type Transport } from '@skcomm/core';
import { defineCase } from '../define-case.js';
import { failIfAny } from '../exchange.js';
import { ComplianceNotApplicableError } from '../not-applicable.js';

/** Chunks in a test attachment: enough for a transfer to be cut well before its end. */
const TEST_CHUNKS = 64;
const TEST_CHUNK_BYTES = 64 * 1024;

type AttachmentSender = Transport & { sendWithAttachment: NonNullable<Transport['sendWithAttachment']> };

function requireAttachments(transport: Transport): AttachmentSender {
  if (typeof transport.sendWithAttachment !== 'function') {
    throw new ComplianceNotApplicableError('the transport has no sendWithAttachment(); attachments are optional in the contract');
  }
  const limit = transport.traits.maxAttachmentBytes;
  assert.ok(
    Number.isSafeInteger(limit) && (limit as number) > 0,
    `a transport with sendWithAttachment() must declare traits.maxAttachmentBytes as a whole number > 0, got ${String(limit)}`,
  );
  return transport as AttachmentSender;
}

/** Opaque "ciphertext" held in memory, served chunk by chunk, with a log of what was read. */
interface TestAttachment extends OutgoingAttachment {
  readonly bytes: Uint8Array;
  readonly count: number;
  /** Chunk indexes in the order readChunk() was asked for them. */
  readonly reads: number[];
  /** Every confirmedBytes onProgress() reported, in order. */
  readonly progress: number[];
}

function testAttachment(transport: Transport, seed: number, options: { beforeRead?: (index: number) => Promise<void> } = {}): TestAttachment {
  const limit = transport.traits.maxAttachmentBytes ?? 0;
  const chunkBytes = Math.max(1, Math.min(TEST_CHUNK_BYTES, Math.floor(limit / TEST_CHUNKS)));
  // The last chunk is shorter than the others, as it usually is.
  const size = Math.min(limit, chunkBytes * (TEST_CHUNKS - 1) + Math.ceil(chunkBytes / 3));
  const random = seededRandom(seed);
  const bytes = Uint8Array.from({ length: size }, () => Math.floor(random() * 256));
  const count = attachmentChunkCount(size, chunkBytes);
  const reads: number[] = [];
  const progress: number[] = [];
  return {
    id: randomBytes(16).toString('hex'),
    size,
    chunkBytes,
    bytes,
    count,
    reads,
    progress,
    async readChunk(index) {
      assert.ok(Number.isInteger(index) && index >= 0 && index < count, `readChunk(${index}) asked for a chunk outside 0..${count - 1}`);
      reads.push(index);
      await options.beforeRead?.(index);
      return bytes.slice(index * chunkBytes, Math.min(size, (index + 1) * chunkBytes));
    },
    onProgress(confirmedBytes, total) {
      progress.push(confirmedBytes);
      assert.equal(total, size, `onProgress() reported a total of ${total}, not the attachment size ${size}`);
    },
  };
}

/** Checks the one arrival: its attachment is complete, byte-exact, on disk. */
async function expectAttachmentArrived(inbound: InboundEnvelope, attachment: TestAttachment): Promise<string> {
  const arrived = inbound.attachment;
  assert.ok(arrived !== undefined, 'the envelope sent with sendWithAttachment() arrived without InboundEnvelope.attachment');
  failIfAny([
    ...(arrived.id === attachment.id ? [] : [`attachment.id is ${arrived.id}, not ${attachment.id}`]),
    ...(arrived.size === attachment.size ? [] : [`attachment.size is ${arrived.size}, not ${attachment.size}`]),
    ...(arrived.chunkBytes === attachment.chunkBytes ? [] : [`attachment.chunkBytes is ${arrived.chunkBytes}, not ${attachment.chunkBytes}`]),
  ]);
  const onDisk = await readFile(arrived.path);
  assert.equal(onDisk.byteLength, attachment.size, `the attachment file holds ${onDisk.byteLength} bytes, ${attachment.size} were sent`);
  const difference = onDisk.findIndex((value, index) => value !== attachment.bytes[index]);
  assert.equal(difference, -1, `the attachment file differs from what was sent at byte ${difference}`);
  return arrived.path;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function expectMonotonicProgress(progress: readonly number[], size: number): void {
  assert.ok(progress.length > 0, 'onProgress() was never called');
  for (let index = 1; index < progress.length; index++) {
    assert.ok((progress[index] as number) >= (progress[index - 1] as number), `onProgress() went backwards: ${progress.join(', ')}`);
  }
  assert.ok(progress.every((value) => Number.isInteger(value) && value >= 0 && value <= size), `onProgress() reported a value outside 0..${size}`);
  assert.equal(progress.at(-1), size, `the last onProgress() reported ${String(progress.at(-1))}, not the whole ${size} bytes`);
}

export const attachmentRoundTrip = defineCase({
  name: 'sendWithAttachment(): the attachment arrives byte-exact in a file, progress climbs to its size, commit() deletes the file',
  async body({ exchange }) {
    const sender = requireAttachments(exchange.a);
    const attachment = testAttachment(sender, 11);
    const envelope = exchange.envelope();
    const result = await sender.sendWithAttachment(envelope.bytes, attachment, exchange.target);
    assert.equal(result.transport, sender.name, 'SendResult.transport must name the sending transport');
    expectMonotonicProgress(attachment.progress, attachment.size);
    const { inbound } = await exchange.collect([envelope], { commit: false });
    assert.equal(inbound.length, 1, `the envelope arrived ${inbound.length} times`);
    const path = await expectAttachmentArrived(inbound[0] as InboundEnvelope, attachment);
    await (inbound[0] as InboundEnvelope).commit();
    assert.equal(await exists(path), false, `commit() left the attachment file ${path} behind`);
    await exchange.expectNothingArrives('the envelope with the attachment was committed');
  },
});

export const attachmentOverLimitRefused = defineCase({
  name: 'sendWithAttachment() refuses an attachment over traits.maxAttachmentBytes with a non-retryable TransportError, reading nothing',
  async body({ exchange }) {
    const sender = requireAttachments(exchange.a);
    const size = (sender.traits.maxAttachmentBytes as number) + 1;
    if (!Number.isSafeInteger(size)) throw new ComplianceNotApplicableError('traits.maxAttachmentBytes is the largest safe integer: nothing is over it');
    let reads = 0;
    const oversize: OutgoingAttachment = {
      id: randomBytes(16).toString('hex'),
      size,
      chunkBytes: TEST_CHUNK_BYTES,
      async readChunk(index) {
        reads++;
        return new Uint8Array(Math.min(TEST_CHUNK_BYTES, size - index * TEST_CHUNK_BYTES));
      },
    };
    await assert.rejects(sender.sendWithAttachment(exchange.envelope().bytes, oversize, exchange.target), (error: unknown) => {
      assert.ok(TransportError.isTransportError(error), `expected a TransportError, got: ${String(error)}`);
      assert.equal(error.retryable, false, 'an attachment over the limit will never fit: retryable must be false');
      assert.equal(error.transport, sender.name, 'TransportError.transport must name the failing transport');
      return true;
    });
    assert.equal(reads, 0, `the transport read ${reads} chunk(s) of an attachment it refuses`);
    await exchange.expectNothingArrives('the oversized attachment was refused');
  },
});

export const attachmentNotDeliveredTwice = defineCase({
  name: 'sendWithAttachment() again with a completed attachment id reads no chunk and does not deliver the envelope twice',
  async body({ exchange }) {
    const sender = requireAttachments(exchange.a);
    const attachment = testAttachment(sender, 12);
    const envelope = exchange.envelope();
    await sender.sendWithAttachment(envelope.bytes, attachment, exchange.target);
    const readsOfFirstCall = attachment.reads.length;
    await sender.sendWithAttachment(envelope.bytes, attachment, exchange.target);
    assert.equal(
      attachment.reads.length,
      readsOfFirstCall,
      `the second call read ${attachment.reads.length - readsOfFirstCall} chunk(s) the receiver already held`,
    );
    const { inbound, counts } = await exchange.collect([envelope], { commit: false });
    assert.equal(counts.get(envelope.envelopeId), 1, `the envelope arrived ${String(counts.get(envelope.envelopeId))} times`);
    await expectAttachmentArrived(inbound[0] as InboundEnvelope, attachment);
    await (inbound[0] as InboundEnvelope).commit();
    await exchange.expectNothingArrives('one attachment was sent twice under one id');
  },
});

export const attachmentRedeliveredAfterCommit = defineCase({
  name: 'sendWithAttachment() again after the receiver already committed the envelope delivers it once more, with its attachment or without reading a chunk',
  async body({ exchange }) {
    const sender = requireAttachments(exchange.a);
    const attachment = testAttachment(sender, 14);
    const envelope = exchange.envelope();
    await sender.sendWithAttachment(envelope.bytes, attachment, exchange.target);
    await exchange.collect([envelope]);
    // The recipient's end-to-end ack was lost: the sender's agent sends the same again, and
    // the recipient can only acknowledge a duplicate it is given.
    const readsBefore = attachment.reads.length;
    await sender.sendWithAttachment(envelope.bytes, attachment, exchange.target);
    const { inbound, counts } = await exchange.collect([envelope], { commit: false });
    assert.equal(counts.get(envelope.envelopeId), 1, `the envelope arrived ${String(counts.get(envelope.envelopeId))} times after the second call`);
    const again = inbound[0] as InboundEnvelope;
    if (again.attachment === undefined) {
      assert.equal(attachment.reads.length, readsBefore, `redelivered without the attachment, yet the second call read ${attachment.reads.length - readsBefore} chunk(s)`);
    } else {
      await expectAttachmentArrived(again, attachment);
    }
    await again.commit();
    await exchange.expectNothingArrives('the redelivered envelope was committed');
  },
});

export const attachmentResumes = defineCase({
  name: 'sendWithAttachment() cut midway fails retryably, and the same call again reads only the chunks the receiver lacks',
  async body({ exchange, requireDownControl }) {
    const sender = requireAttachments(exchange.a);
    const down = requireDownControl();
    let cut: Promise<void> | undefined;
    let cutAt = -1;
    const confirmedAtCut: number[] = [];
    const attachment = testAttachment(sender, 13, {
      // Halfway, the counterpart goes down before the chunk is handed over: the transfer cannot finish.
      beforeRead: async (index) => {
        if (cut === undefined && index >= Math.floor(TEST_CHUNKS / 2)) {
          cutAt = index;
          confirmedAtCut.push(attachment.progress.at(-1) ?? 0);
          cut = down.takeDown();
        }
        await cut;
      },
    });
    const envelope = exchange.envelope();
    await assert.rejects(
      sender.sendWithAttachment(envelope.bytes, attachment, exchange.target),
      (error: unknown) => {
        assert.ok(TransportError.isTransportError(error), `a cut transfer must throw a TransportError, got: ${String(error)}`);
        assert.equal(error.retryable, true, 'a cut transfer can resume: retryable must be true');
        return true;
      },
      `sendWithAttachment() resolved although the counterpart went down at chunk ${cutAt}`,
    );
    await down.bringUp();
    const readsBefore = attachment.reads.length;
    const confirmedChunks = Math.floor((confirmedAtCut[0] ?? 0) / attachment.chunkBytes);
    await sender.sendWithAttachment(envelope.bytes, attachment, exchange.target);
    const resumedReads = attachment.reads.slice(readsBefore);
    assert.ok(
      resumedReads.length < attachment.count,
      `the resumed call read all ${attachment.count} chunks again; it must read only what the receiver lacks`,
    );
    assert.ok(
      resumedReads.length <= attachment.count - confirmedChunks,
      `the resumed call read ${resumedReads.length} chunks, though the receiver had confirmed ${confirmedChunks} of ${attachment.count}`,
    );
    const { inbound } = await exchange.collect([envelope], { commit: false });
    assert.equal(inbound.length, 1, `the envelope arrived ${inbound.length} times`);
    await expectAttachmentArrived(inbound[0] as InboundEnvelope, attachment);
    await (inbound[0] as InboundEnvelope).commit();
    await exchange.expectNothingArrives('the resumed transfer delivered once');
  },
});
