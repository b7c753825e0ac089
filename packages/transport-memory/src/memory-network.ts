/**
 * The hub: routes envelope bytes by recipient fingerprint to the endpoint attached for it,
 * through the faults of the network, of the sending endpoint and of the receiving one.
 * Mailboxes belong to the network, so what an endpoint has not committed survives its
 * stop, restart, or replacement by a new transport for the same fingerprint.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { attachmentChunkLength, ErrorCode, type OutgoingAttachment, type RandomSource, seededRandom } from '@skcomm/core';
import { AttachmentSpool, type SpooledAttachment } from './attachment-spool.js';
import { MemoryTransportError } from './errors.js';
import { FaultController } from './fault-controller.js';
import { Mailbox, type MailboxEntry } from './mailbox.js';
import { deriveSeed } from './derive-seed.js';

export interface MemoryNetworkInit {
  /** Seed for every random fault decision. Default 1. */
  seed?: number;
  /** Milliseconds, for flapping schedules. Default `performance.now`. */
  clock?: () => number;
  /** Where receivers keep attachment ciphertext. Default: a new folder under the system temp dir. */
  spoolDir?: string;
}

/** What the network needs from an attached endpoint. */
export interface MemoryEndpoint {
  onArrival(entry: MailboxEntry): void;
}

export interface RouteRequest {
  from: string;
  to: string;
  bytes: Uint8Array;
  /** The sending transport's name, for errors. */
  transport: string;
  signal?: AbortSignal;
}

export interface AttachmentRouteRequest extends RouteRequest {
  attachment: OutgoingAttachment;
}

/** Chunks written between two fsyncs of the receiver's file; only synced chunks count as held. */
const CHUNKS_PER_SYNC = 16;

const namedNetworks = new Map<string, MemoryNetwork>();

export class MemoryNetwork {
  /** Faults of the whole network. */
  readonly faults: FaultController;
  private readonly seed: number;
  private readonly clock: () => number;
  private readonly positions: RandomSource;
  private readonly endpointFaultsByFingerprint = new Map<string, FaultController>();
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly attached = new Map<string, MemoryEndpoint>();
  private readonly spool: AttachmentSpool;

  constructor(init: MemoryNetworkInit = {}) {
    this.spool = new AttachmentSpool(init.spoolDir);
    this.seed = init.seed ?? 1;
    this.clock = init.clock ?? (() => performance.now());
    this.faults = new FaultController('network', this.seed, this.clock);
    this.positions = seededRandom(deriveSeed(this.seed, 'positions'));
  }

  /** The process-wide network of that name, created on first use. Config-loaded transports meet here. */
  static named(name: string): MemoryNetwork {
    let network = namedNetworks.get(name);
    if (network === undefined) {
      network = new MemoryNetwork();
      namedNetworks.set(name, network);
    }
    return network;
  }

  /** Faults of one endpoint: they apply to what it sends and to what is sent to it. */
  endpointFaults(fingerprint: string): FaultController {
    let faults = this.endpointFaultsByFingerprint.get(fingerprint);
    if (faults === undefined) {
      faults = new FaultController(`endpoint ${fingerprint}`, this.seed, this.clock);
      this.endpointFaultsByFingerprint.set(fingerprint, faults);
    }
    return faults;
  }

  mailbox(fingerprint: string): Mailbox {
    let mailbox = this.mailboxes.get(fingerprint);
    if (mailbox === undefined) {
      mailbox = new Mailbox();
      this.mailboxes.set(fingerprint, mailbox);
    }
    return mailbox;
  }

  /** Envelopes waiting, uncommitted, for `fingerprint`. */
  pendingCount(fingerprint: string): number {
    return this.mailboxes.get(fingerprint)?.size ?? 0;
  }

  /** Returns false when another endpoint is already attached for the fingerprint. */
  attach(fingerprint: string, endpoint: MemoryEndpoint): boolean {
    const current = this.attached.get(fingerprint);
    if (current !== undefined && current !== endpoint) return false;
    this.attached.set(fingerprint, endpoint);
    return true;
  }

  detach(fingerprint: string, endpoint: MemoryEndpoint): void {
    if (this.attached.get(fingerprint) === endpoint) this.attached.delete(fingerprint);
  }

  /** Why traffic through these endpoints fails right now, or undefined. */
  downReason(...fingerprints: string[]): string | undefined {
    for (const faults of [this.faults, ...fingerprints.map((fingerprint) => this.endpointFaults(fingerprint))]) {
      const reason = faults.downReason();
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  /** Configured one-way delay through these endpoints, without jitter. */
  latencyMs(...fingerprints: string[]): number {
    return [this.faults, ...fingerprints.map((fingerprint) => this.endpointFaults(fingerprint))].reduce(
      (sum, faults) => sum + faults.settings.latencyMs,
      0,
    );
  }

  /**
   * Carries one envelope. Resolves once it landed (or was silently dropped by a fault);
   * throws a retryable error when the way is down or nobody listens for the recipient.
   */
  async route(request: RouteRequest): Promise<void> {
    this.checkReachable(request);
    const plans = [this.faults, this.endpointFaults(request.from), this.endpointFaults(request.to)].map((faults) => faults.plan());
    const delayMs = plans.reduce((sum, plan) => sum + plan.delayMs, 0);
    if (delayMs > 0) await sleep(delayMs, undefined, request.signal === undefined ? {} : { signal: request.signal });
    // The way may have gone down, or the recipient stopped, while the envelope was in flight.
    this.checkReachable(request);
    const copies = plans.some((plan) => plan.copies === 0) ? 0 : Math.max(...plans.map((plan) => plan.copies));
    const reorder = plans.some((plan) => plan.reorder);
    const mailbox = this.mailbox(request.to);
    const bytes = Uint8Array.from(request.bytes);
    for (let copy = 0; copy < copies; copy++) {
      const position = reorder ? Math.floor(this.positions() * (mailbox.size + 1)) : Infinity;
      const entry = mailbox.add(bytes, request.from, position);
      this.attached.get(request.to)?.onArrival(entry);
    }
  }

  /**
   * Carries one envelope with its attachment: the chunks the recipient lacks, into its
   * spool file, then the envelope into its mailbox. Resolves once both are there (a hop
   * ack: no drop or duplicate fault applies). A second call for the same attachment resumes;
   * one whose envelope is still uncommitted in the mailbox resolves without delivering again.
   */
  async routeWithAttachment(request: AttachmentRouteRequest): Promise<void> {
    this.checkReachable(request);
    const { attachment } = request;
    const record = await this.spool.open(request.to, attachment);
    const previous = record.busy;
    let release = () => {};
    record.busy = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      const mailbox = this.mailbox(request.to);
      if (record.mailboxEntryId !== undefined && mailbox.has(record.mailboxEntryId)) return;
      attachment.onProgress?.(record.heldBytes, record.size);
      await this.moveMissingChunks(request, record);
      const delayMs = this.latencyMs(request.from, request.to);
      if (delayMs > 0) await sleep(delayMs, undefined, request.signal === undefined ? {} : { signal: request.signal });
      this.checkReachable(request);
      const entry = mailbox.add(Uint8Array.from(request.bytes), request.from, Infinity, {
        id: record.id,
        size: record.size,
        chunkBytes: record.chunkBytes,
        path: record.path,
      });
      record.mailboxEntryId = entry.id;
      this.attached.get(request.to)?.onArrival(entry);
    } finally {
      release();
    }
  }

  /** Called by the recipient's commit(): the mailbox entry and its attachment file go. */
  async releaseAttachment(recipient: string, entryId: number, attachmentId: string): Promise<void> {
    this.mailbox(recipient).remove(entryId);
    const record = this.spool.find(recipient, attachmentId);
    if (record !== undefined && record.mailboxEntryId === entryId) await this.spool.forget(record);
  }

  /** Attachments the network holds a record of (partial, or waiting uncommitted in a mailbox). */
  get spooledAttachments(): number {
    return this.spool.size;
  }

  private async moveMissingChunks(request: AttachmentRouteRequest, record: SpooledAttachment): Promise<void> {
    const { attachment } = request;
    const cutAfter = this.attachmentCutAfterChunks(request.from, request.to);
    const handle = await this.spool.openForWriting(record);
    const unsynced: number[] = [];
    const syncHeld = async () => {
      if (unsynced.length === 0) return;
      await handle.sync();
      for (const index of unsynced.splice(0)) {
        record.held[index] = 1;
        record.heldBytes += attachmentChunkLength(record.size, record.chunkBytes, index);
      }
      attachment.onProgress?.(record.heldBytes, record.size);
    };
    try {
      let moved = 0;
      for (let index = 0; index < record.count; index++) {
        if (record.held[index] === 1) continue;
        request.signal?.throwIfAborted();
        this.checkReachable(request);
        if (cutAfter !== undefined && moved >= cutAfter) {
          // The receiver keeps what crossed, as a peer whose connection dropped would.
          await syncHeld();
          throw new MemoryTransportError(
            `attachment ${record.id} cut by a fault after ${moved} chunk(s); ${record.heldBytes} of ${record.size} bytes are at ${request.to}`,
            { transport: request.transport, retryable: true },
            ErrorCode.TransportUnavailable,
          );
        }
        const bytes = await attachment.readChunk(index);
        const expected = attachmentChunkLength(record.size, record.chunkBytes, index);
        if (!(bytes instanceof Uint8Array) || bytes.byteLength !== expected) {
          throw new MemoryTransportError(
            `attachment ${record.id}: readChunk(${index}) returned ${bytes instanceof Uint8Array ? `${bytes.byteLength} bytes` : 'no bytes'}, expected ${expected}`,
            { transport: request.transport, retryable: false },
          );
        }
        await handle.write(bytes, 0, bytes.byteLength, index * record.chunkBytes);
        unsynced.push(index);
        moved++;
        if (unsynced.length >= CHUNKS_PER_SYNC) await syncHeld();
      }
      await syncHeld();
    } finally {
      await handle.close();
    }
  }

  private attachmentCutAfterChunks(...fingerprints: string[]): number | undefined {
    const limits = [this.faults, ...fingerprints.map((fingerprint) => this.endpointFaults(fingerprint))]
      .map((faults) => faults.settings.attachmentCutAfterChunks)
      .filter((limit): limit is number => limit !== null);
    return limits.length === 0 ? undefined : Math.min(...limits);
  }

  private checkReachable(request: RouteRequest): void {
    const reason = this.downReason(request.from, request.to);
    if (reason !== undefined) {
      throw new MemoryTransportError(`cannot reach ${request.to}: ${reason}`, { transport: request.transport, retryable: true }, ErrorCode.TransportUnavailable);
    }
    if (!this.attached.has(request.to)) {
      throw new MemoryTransportError(
        `cannot reach ${request.to}: no endpoint is listening for it on this network`,
        { transport: request.transport, retryable: true },
        ErrorCode.TransportUnavailable,
      );
    }
  }
}
