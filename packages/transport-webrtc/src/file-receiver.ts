/**
 * The receiving side of the file protocol on one link. For each accepted FILE_OFFER it
 * opens (or resumes) the spool file, answers FILE_NEED with the chunks the have-record
 * lacks, writes arriving FILE_DATA pieces in place, fsyncs in batches and reports each
 * batch with FILE_HAVE; once every chunk is durable the sender sends the envelope
 * (FILE_ENVELOPE), which is handed to the transport with the finished file and
 * acknowledged with FILE_DONE once queued.
 *
 * An offer of an attachment this peer sent before and the application committed (the
 * recipient's end-to-end ack was lost, so the sender's agent sends it again) is answered
 * FILE_NEED with nothing missing: the sender reads no chunk and sends the envelope, which
 * is delivered again without the attachment (its files went with the first commit), so the
 * recipient can acknowledge it once more. An envelope queued and not yet committed is
 * acknowledged again without being queued twice.
 *
 * Control frames are handled one at a time, in order (they may wait on the disk);
 * FILE_DATA is handled as it comes. Anything a well-behaved sender never sends (a chunk
 * out of range or twice, a gap inside a chunk, more unconfirmed bytes than the window,
 * an envelope before the attachment is complete) is a FrameError: the link is closed.
 */
import type { InboundAttachment, Logger } from '@skcomm/core';
import { FrameError } from './frame-error.js';
import {
  encodeFileDone,
  encodeFileHave,
  encodeFileNeed,
  encodeFileReject,
  type ChunkRange,
  type FileFrame,
  RejectReason,
} from './file-frames.js';
import { type FileSpool, type SpoolFile, SpoolRefusal } from './file-spool.js';

/** A batch of completed chunks is fsynced at most this long after its first chunk. */
const SYNC_DELAY_MS = 100;
const MAX_TOKEN = 0xffff_ffff;

export interface FileReceiverOptions {
  peer: string;
  spool: FileSpool;
  /** File lanes this side has open: the sender uses no more. */
  lanes: number;
  windowBytes: number;
  syncBytes: number;
  maxEnvelopeBytes: number;
  transportName: string;
  logger: Logger;
  sendControl(frame: Buffer): void;
  onAttachment(bytes: Uint8Array, delivery: FileDelivery, acknowledge: () => void): void;
  onViolation(error: FrameError): void;
}

/** An envelope received through the file protocol, as handed to the transport. */
export interface FileDelivery {
  /** The complete, durable attachment; absent when the envelope is delivered again after its attachment was committed. */
  attachment?: InboundAttachment;
  /** The application committed the envelope. */
  commit(): Promise<void>;
}

interface Incoming {
  id: string;
  token: number;
  /** Undefined when the attachment was committed before: only the envelope comes again. */
  file: SpoolFile | undefined;
  envelopeLength: number;
  /** Confirmed bytes when the need was sent: the window counts from there. */
  confirmedAtStart: number;
  /** Bytes of FILE_DATA taken in this attempt. */
  received: number;
  /** Chunks whose pieces are still coming: the pieces so far (written once the chunk is whole). */
  filling: Map<number, { filled: number; pieces: Uint8Array[] }>;
  /** Complete chunks not yet durable (some of them may be in a sync already). */
  unsynced: Set<number>;
  /** Chunks and bytes completed since the last sync began. */
  newChunks: number;
  newBytes: number;
  syncTimer: NodeJS.Timeout | undefined;
  envelope: { buffer: Buffer; filled: number } | undefined;
  closing: Promise<void> | undefined;
}

export class FileReceiver {
  private readonly byToken = new Map<number, Incoming>();
  private readonly byId = new Map<string, Incoming>();
  private nextToken = 1;
  private control: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly init: FileReceiverOptions) {}

  /** FILE_OFFER, FILE_ENVELOPE and FILE_CANCEL, handled in arrival order. */
  onControl(frame: FileFrame): void {
    this.control = this.control.then(() => this.handleControl(frame)).catch((error: unknown) => this.fail(error));
  }

  onData(frame: Extract<FileFrame, { type: 'file-data' }>): void {
    const incoming = this.byToken.get(frame.token);
    // A piece of an attempt that ended (cancelled, superseded): still in flight on a lane.
    if (!incoming || incoming.closing) return;
    const { file } = incoming;
    if (file === undefined) throw new FrameError(`FILE_DATA for attachment ${incoming.id}, which the receiver committed before`);
    const { layout, have } = file;
    const { index, offset, bytes } = frame;
    if (index >= layout.count) throw new FrameError(`FILE_DATA for chunk ${index} of ${layout.count}`);
    if (have.has(index) || incoming.unsynced.has(index)) throw new FrameError(`FILE_DATA for chunk ${index}, which the receiver already has`);
    const partial = incoming.filling.get(index);
    const filled = partial?.filled ?? 0;
    const length = layout.chunkLength(index);
    if (offset !== filled) throw new FrameError(`FILE_DATA for chunk ${index} at ${offset}, expected ${filled}`);
    if (offset + bytes.length > length || (bytes.length === 0 && length !== 0)) throw new FrameError(`FILE_DATA overruns chunk ${index}`);
    incoming.received += bytes.length;
    const unconfirmed = incoming.received - (file.confirmedBytes - incoming.confirmedAtStart);
    if (unconfirmed > this.init.windowBytes) throw new FrameError(`the sender ignored the window (${unconfirmed} bytes unconfirmed)`);
    const pieces = partial?.pieces ?? [];
    pieces.push(bytes);
    if (filled + bytes.length < length) {
      incoming.filling.set(index, { filled: filled + bytes.length, pieces });
      return;
    }
    incoming.filling.delete(index);
    // Pieces stopped short of a whole chunk when the link closes are dropped: asked for again.
    file.writeChunk(index, pieces);
    incoming.unsynced.add(index);
    incoming.newChunks++;
    incoming.newBytes += length;
    const allIn = have.size + incoming.unsynced.size === layout.count;
    if (allIn || incoming.newBytes >= this.init.syncBytes) this.sync(incoming, file);
    else incoming.syncTimer ??= setTimeout(() => this.sync(incoming, file), SYNC_DELAY_MS);
  }

  /** The link closed: every transfer is flushed so its record names all it received. */
  closeAll(): Promise<void> {
    this.stopped = true;
    return Promise.all([...this.byId.values()].map((incoming) => this.close(incoming))).then(() => undefined);
  }

  private async handleControl(frame: FileFrame): Promise<void> {
    if (this.stopped) return;
    switch (frame.type) {
      case 'file-offer':
        return this.onOffer(frame);
      case 'file-envelope':
        return this.onEnvelope(frame);
      case 'file-cancel': {
        const incoming = this.byId.get(frame.id);
        if (incoming) await this.close(incoming);
        return;
      }
      default:
        throw new FrameError(`${frame.type} is a frame for the sending side`);
    }
  }

  private async onOffer(offer: Extract<FileFrame, { type: 'file-offer' }>): Promise<void> {
    const { id } = offer;
    if (offer.envelopeLength > this.init.maxEnvelopeBytes) {
      this.init.sendControl(encodeFileReject(id, RejectReason.TooLarge));
      return;
    }
    const earlier = this.byId.get(id);
    if (earlier) await this.close(earlier);
    if (this.init.spool.wasCommitted(id, this.init.peer)) {
      if (this.stopped) {
        this.init.sendControl(encodeFileReject(id, RejectReason.Unavailable));
        return;
      }
      // Nothing is missing: the whole attachment was durable before it was committed.
      this.sendNeed(this.accept(id, offer.envelopeLength, undefined, offer.size), offer.size, []);
      return;
    }
    let incoming: Incoming | undefined;
    let file: SpoolFile;
    try {
      file = await this.init.spool.open(this.init.peer, id, offer.size, offer.chunkBytes, async () => {
        if (incoming) await this.close(incoming);
      });
    } catch (error) {
      const reason = error instanceof SpoolRefusal ? error.reason : RejectReason.Unavailable;
      this.init.logger.info('refused an attachment offer', { transport: this.init.transportName, peer: this.init.peer, attachment: id, reason: describe(error) });
      this.init.sendControl(encodeFileReject(id, reason));
      return;
    }
    if (this.stopped) {
      await file.close();
      this.init.sendControl(encodeFileReject(id, RejectReason.Unavailable));
      return;
    }
    incoming = this.accept(id, offer.envelopeLength, file, file.confirmedBytes);
    // Every chunk durable before a crash or link loss, but not yet renamed: finish now.
    if (file.have.complete && !file.finished) await file.finish();
    this.sendNeed(incoming, file.confirmedBytes, file.have.missingRanges());
  }

  /** Registers an accepted offer under a fresh token. */
  private accept(id: string, envelopeLength: number, file: SpoolFile | undefined, confirmedBytes: number): Incoming {
    const incoming: Incoming = {
      id,
      token: this.takeToken(),
      file,
      envelopeLength,
      confirmedAtStart: confirmedBytes,
      received: 0,
      filling: new Map(),
      unsynced: new Set(),
      newChunks: 0,
      newBytes: 0,
      syncTimer: undefined,
      envelope: undefined,
      closing: undefined,
    };
    this.byId.set(id, incoming);
    this.byToken.set(incoming.token, incoming);
    return incoming;
  }

  private sendNeed(incoming: Incoming, confirmedBytes: number, missing: readonly ChunkRange[]): void {
    const need = { id: incoming.id, token: incoming.token, confirmedBytes, lanes: this.init.lanes, windowBytes: this.init.windowBytes };
    for (const frame of encodeFileNeed(need, missing)) this.init.sendControl(frame);
  }

  private async onEnvelope(piece: Extract<FileFrame, { type: 'file-envelope' }>): Promise<void> {
    const incoming = this.byId.get(piece.id);
    if (!incoming || incoming.closing) throw new FrameError(`FILE_ENVELOPE for attachment ${piece.id}, which is not being received`);
    if (incoming.file !== undefined && !incoming.file.finished) throw new FrameError(`FILE_ENVELOPE for attachment ${piece.id} before all of it is durable`);
    if (piece.envelopeLength !== incoming.envelopeLength) throw new FrameError('FILE_ENVELOPE length differs from the offer');
    incoming.envelope ??= { buffer: Buffer.allocUnsafe(incoming.envelopeLength), filled: 0 };
    const envelope = incoming.envelope;
    if (piece.offset !== envelope.filled) throw new FrameError(`FILE_ENVELOPE piece at ${piece.offset}, expected ${envelope.filled}`);
    envelope.buffer.set(piece.bytes, envelope.filled);
    envelope.filled += piece.bytes.length;
    if (envelope.filled < envelope.buffer.length) return;
    const { file } = incoming;
    await this.close(incoming);
    // Already queued and not yet committed (our FILE_DONE was lost): acknowledge, do not queue twice.
    if (this.init.spool.isDelivered(piece.id)) {
      this.init.sendControl(encodeFileDone(piece.id));
      return;
    }
    const { spool } = this.init;
    const acknowledge = () => {
      spool.markDelivered(piece.id, this.init.peer);
      this.init.sendControl(encodeFileDone(piece.id));
    };
    const delivery: FileDelivery =
      file === undefined
        ? { commit: async () => spool.commitRedelivery(piece.id) }
        : { attachment: { id: piece.id, size: file.layout.size, chunkBytes: file.layout.chunkBytes, path: file.path }, commit: () => spool.remove(piece.id) };
    this.init.onAttachment(new Uint8Array(envelope.buffer.buffer, envelope.buffer.byteOffset, envelope.buffer.length), delivery, acknowledge);
  }

  private sync(incoming: Incoming, file: SpoolFile): void {
    clearTimeout(incoming.syncTimer);
    incoming.syncTimer = undefined;
    if (incoming.newChunks === 0 || incoming.closing) return;
    const batch = [...incoming.unsynced];
    incoming.newChunks = 0;
    incoming.newBytes = 0;
    file
      .sync()
      .then(async (confirmedBytes) => {
        for (const index of batch) incoming.unsynced.delete(index);
        if (incoming.closing) return;
        if (file.have.complete) await file.finish();
        this.init.sendControl(encodeFileHave(incoming.id, confirmedBytes));
      })
      .catch(async (error: unknown) => {
        this.init.logger.warn('could not store an attachment; the transfer is refused', { transport: this.init.transportName, attachment: incoming.id, error: describe(error) });
        const full = (error as { code?: string }).code === 'E_STORAGE_FULL';
        this.init.sendControl(encodeFileReject(incoming.id, full ? RejectReason.NoSpace : RejectReason.Unavailable));
        await this.close(incoming);
      });
  }

  private close(incoming: Incoming): Promise<void> {
    incoming.closing ??= (async () => {
      clearTimeout(incoming.syncTimer);
      this.byToken.delete(incoming.token);
      if (this.byId.get(incoming.id) === incoming) this.byId.delete(incoming.id);
      await incoming.file?.close();
    })();
    return incoming.closing;
  }

  private fail(error: unknown): void {
    if (error instanceof FrameError) {
      this.init.onViolation(error);
      return;
    }
    this.init.logger.warn('an attachment transfer failed', { transport: this.init.transportName, peer: this.init.peer, error: describe(error) });
  }

  private takeToken(): number {
    const token = this.nextToken;
    this.nextToken = token >= MAX_TOKEN ? 1 : token + 1;
    return token;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
