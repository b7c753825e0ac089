/**
 * Acks of streamed files: the receiver's signed ack for a manifest envelope removes the
 * transfer's record (after its binding is checked), and a sender may wait for that.
 */
import { createHash } from 'node:crypto';
import type { AckDocument } from '../crypto/index.js';
import { canonicalBytes } from '../envelope/canonical.js';
import { parseEnvelope } from '../envelope/parse.js';
import { type Envelope, signedDocumentContext, type SignedDocument } from '../envelope/schema.js';
import { ErrorCode, RejectionError } from '../errors.js';
import { serializeFileManifest } from '../files/manifest.js';
import { OutgoingTransferStore } from '../files/transfer-store.js';
import type { HomeLayout } from '../store/layout.js';
import type { Logger } from '../transport/contract.js';
import { sleep } from './abortable-sleep.js';
import { outgoingTransfersDir } from './file-paths.js';
import type { FileSendContext } from './file-types.js';
import { removeTransfer } from './transfer-state.js';

/** Waits until the transfer record is gone (the ack removed it, here or in a daemon), receiving meanwhile. */
export async function waitForAck(context: FileSendContext, store: OutgoingTransferStore, transferId: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if ((await store.get(transferId)) === undefined) return true;
    if (performance.now() >= deadline || signal?.aborted) return false;
    await context.receive();
    await sleep(Math.min(100, Math.max(0, deadline - performance.now())), signal);
  }
}

/**
 * An ack for an envelope that is not in the outbox may be for a streamed file: its record
 * is found by envelope id, the ack's binding checked, and the record removed. Returns
 * false when no transfer matches.
 */
export async function acknowledgeFileTransfer(layout: HomeLayout, ack: AckDocument, ackSigner: string, logger: Logger): Promise<boolean> {
  const store = new OutgoingTransferStore(outgoingTransfersDir(layout));
  for (const record of await store.list()) {
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(Buffer.from(record.envelope, 'base64'));
    } catch {
      continue;
    }
    if (envelope.envelope_id !== ack.envelope_id) continue;
    if (record.peer !== ackSigner || documentSha256(envelope, serializeFileManifest(record.manifest)) !== ack.document_sha256) {
      throw new RejectionError(ErrorCode.HeaderMismatch, `ack is not bound to file envelope ${ack.envelope_id} as it was sent`, { field: 'ack.document_sha256' });
    }
    await removeTransfer(store, record.transfer_id);
    logger.info('file delivered', { envelope_id: ack.envelope_id, transfer_id: record.transfer_id });
    return true;
  }
  return false;
}

/** sha256 of the signed document of a sealed envelope whose body we know: what its ack binds to. */
export function documentSha256(envelope: Envelope, body: string): string {
  const document: SignedDocument = {
    ctx: signedDocumentContext,
    envelope_id: envelope.envelope_id,
    created_at: envelope.timestamp,
    ttl_seconds: envelope.routing.ttl_seconds,
    from: envelope.from,
    to: envelope.to,
    type: envelope.payload.type,
    content_type: envelope.metadata.content_type,
    urgency: envelope.metadata.urgency,
    thread_id: envelope.metadata.thread_id ?? null,
    in_reply_to: envelope.metadata.in_reply_to ?? null,
    body,
  };
  return createHash('sha256').update(canonicalBytes(document)).digest('hex');
}
