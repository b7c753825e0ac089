/**
 * One WebRTC connection to one peer: an RTCPeerConnection with pre-negotiated, ordered and
 * reliable data channels: channel 0 for envelopes and all control frames, channels
 * 1..fileLanes for attachment data only (so envelopes never wait behind a file; the file
 * protocol itself is in file-sender.ts and file-receiver.ts). Sends envelopes as CHUNK
 * frames under flow control (a window of unacknowledged envelopes plus the bufferedAmount
 * cap) and resolves each send on the receiver's ACK; reassembles what arrives and
 * acknowledges it once the transport has queued it; measures RTT with PING/PONG and closes
 * itself when the peer stops answering, says BYE, or ICE/DTLS/SCTP fail. A closed link is
 * never reused.
 */
import { randomBytes } from 'node:crypto';
import { InflightWindow, type Logger, type OutgoingAttachment } from '@skcomm/core';
import { type RTCDataChannel, RTCPeerConnection } from 'werift';
import { ChannelWriter } from './channel-writer.js';
import type { WebrtcTransportOptions } from './config.js';
import { LinkClosedError, unavailable, WebrtcTransportError } from './errors.js';
import { type FileDelivery, FileReceiver } from './file-receiver.js';
import { sendAttachment, type SenderFrame } from './file-sender.js';
import type { FileSpool } from './file-spool.js';
import { FrameError } from './frame-error.js';
import { decodeFrame, encodeAck, encodeBye, encodeChunks, encodePing, encodePong, type Frame, MAX_ACKS } from './framing.js';
import { enlargeSocketBuffers, filterCandidates, peerConnectionConfig, withholdDefaultStun } from './ice-config.js';
import { Reassembler } from './reassembler.js';

export type LinkRole = 'offerer' | 'answerer';
export type LinkState = 'connecting' | 'open' | 'closed';

/** Received envelopes a peer may leave unacknowledged (queue full) before it is cut off. */
const MAX_HELD_ACKS = 512;
const MAX_SEQUENCE = 0xffff_ffff;

export interface PeerLinkOptions {
  peer: string;
  role: LinkRole;
  session: string;
  transportName: string;
  options: WebrtcTransportOptions;
  logger: Logger;
  /** An envelope arrived whole; call `acknowledge` once it is queued. */
  onEnvelope(bytes: Uint8Array, acknowledge: () => void): void;
  /** Where received attachments are spooled. */
  spool: FileSpool;
  /** An envelope came through the file protocol (with its complete, durable attachment, or again after a commit); call `acknowledge` once queued. */
  onAttachment(bytes: Uint8Array, delivery: FileDelivery, acknowledge: () => void): void;
  onClosed(link: PeerLink): void;
}

interface PendingAck {
  resolve(): void;
  reject(error: Error): void;
}

export function newSessionId(): string {
  return randomBytes(16).toString('hex');
}

export class PeerLink {
  readonly peer: string;
  readonly role: LinkRole;
  readonly session: string;
  /** Settles when the data channel opens, or rejects when the link fails first. */
  readonly opened: Promise<void>;
  private linkState: LinkState = 'connecting';
  private readonly connection: RTCPeerConnection;
  private readonly channel: RTCDataChannel;
  private readonly writer: ChannelWriter;
  private readonly lanes: ChannelWriter[] = [];
  private readonly fileReceiver: FileReceiver;
  private readonly fileSenders = new Map<string, (frame: SenderFrame) => void>();
  private filesSettled: Promise<void> = Promise.resolve();
  private readonly window: InflightWindow;
  private readonly reassembler: Reassembler;
  private readonly pendingAcks = new Map<number, PendingAck>();
  private nextSequence = 1;
  private heldAcks = 0;
  /** Acks due, sent together at the end of this event-loop turn. */
  private ackBatch: number[] = [];
  private rtt: number | undefined;
  private awaitingPong = false;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly connectTimer: NodeJS.Timeout;
  private markOpen!: () => void;
  private markFailed!: (error: Error) => void;
  private closeReason: Error | undefined;
  private readonly closedWaiters = new Set<(error: Error) => void>();

  constructor(private readonly init: PeerLinkOptions) {
    this.peer = init.peer;
    this.role = init.role;
    this.session = init.session;
    const { options } = init;
    this.opened = new Promise<void>((resolve, reject) => {
      this.markOpen = resolve;
      this.markFailed = reject;
    });
    this.opened.catch(() => {});
    this.connection = new RTCPeerConnection(peerConnectionConfig(options));
    this.channel = this.connection.createDataChannel('skcomm', { negotiated: true, id: 0, ordered: true });
    this.writer = new ChannelWriter(this.channel, options.maxBufferedBytes);
    this.window = new InflightWindow(options.maxInflightEnvelopes);
    this.reassembler = new Reassembler(options.maxEnvelopeBytes);
    this.channel.stateChanged.subscribe((state) => {
      if (state === 'open') this.onOpen();
      else if (state === 'closed') this.close(new LinkClosedError('the data channel closed'));
    });
    this.channel.onMessage.subscribe((data) => this.onMessage(data));
    const laneBufferedBytes = Math.max(16_384, Math.floor(options.fileBufferedBytes / options.fileLanes));
    for (let lane = 1; lane <= options.fileLanes; lane++) {
      const channel = this.connection.createDataChannel(`skcomm-file-${lane}`, { negotiated: true, id: lane, ordered: true });
      this.lanes.push(new ChannelWriter(channel, laneBufferedBytes));
      channel.onMessage.subscribe((data) => this.onLaneMessage(data));
      channel.stateChanged.subscribe((state) => state === 'closed' && this.close(new LinkClosedError('a file lane closed')));
    }
    this.fileReceiver = new FileReceiver({
      peer: init.peer,
      spool: init.spool,
      lanes: options.fileLanes,
      windowBytes: options.fileWindowBytes,
      syncBytes: options.fileSyncBytes,
      maxEnvelopeBytes: options.maxEnvelopeBytes,
      transportName: init.transportName,
      logger: init.logger,
      sendControl: (frame) => this.writer.writeControl(frame),
      onAttachment: (bytes, delivery, acknowledge) => init.onAttachment(bytes, delivery, acknowledge),
      onViolation: (error) => this.violation(error),
    });
    this.connection.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed' || state === 'disconnected') this.close(new LinkClosedError(`the peer connection is ${state}`));
    });
    this.connectTimer = setTimeout(
      () => this.close(unavailable(init.transportName, `no data channel to ${this.peer} within ${options.connectTimeoutMs} ms (ICE, DTLS or SCTP did not complete)`)),
      options.connectTimeoutMs,
    );
  }

  get state(): LinkState {
    return this.linkState;
  }

  /** Last measured round trip over the data channel, in ms. */
  get rttMs(): number | undefined {
    return this.rtt;
  }

  /** Offerer: the offer's SDP, candidates gathered and filtered. */
  async createOffer(): Promise<string> {
    const offer = await this.connection.createOffer();
    withholdDefaultStun(this.connection, this.init.options);
    await this.connection.setLocalDescription(offer);
    enlargeSocketBuffers(this.connection);
    return this.localSdp();
  }

  /** Answerer: takes the peer's offer and returns the answer's SDP. */
  async answer(offerSdp: string): Promise<string> {
    await this.connection.setRemoteDescription({ type: 'offer', sdp: filterCandidates(offerSdp, this.init.options) });
    withholdDefaultStun(this.connection, this.init.options);
    await this.connection.setLocalDescription(await this.connection.createAnswer());
    enlargeSocketBuffers(this.connection);
    return this.localSdp();
  }

  /** Offerer: the peer's answer arrived. */
  async acceptAnswer(answerSdp: string): Promise<void> {
    await this.connection.setRemoteDescription({ type: 'answer', sdp: filterCandidates(answerSdp, this.init.options) });
  }

  /** Sends one envelope; resolves on the receiver's ACK. */
  async sendEnvelope(bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    if (this.closeReason) throw this.closeReason;
    await this.acquireSlot(signal);
    try {
      if (this.closeReason) throw this.closeReason;
      signal?.throwIfAborted();
      const sequence = this.takeSequence();
      const acknowledged = new Promise<void>((resolve, reject) => this.pendingAcks.set(sequence, { resolve, reject }));
      this.writer.write(encodeChunks(sequence, bytes, this.init.options.chunkBytes));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = unavailable(this.init.transportName, `${this.peer} did not acknowledge the envelope within ${this.init.options.sendTimeoutMs} ms`);
          reject(error);
          // An unresponsive peer: drop the link so the next send negotiates a fresh one.
          this.close(error);
        }, this.init.options.sendTimeoutMs);
      });
      try {
        await Promise.race([acknowledged, timeout]);
      } finally {
        clearTimeout(timer);
        this.pendingAcks.delete(sequence);
      }
    } finally {
      this.window.release();
    }
  }

  /**
   * Sends an envelope with its attachment; resolves on the receiver's FILE_DONE. Before the
   * receiver answered the offer, a closing link throws LinkClosedError (try another link);
   * after, a retryable error: the next call resumes.
   */
  async sendFile(bytes: Uint8Array, attachment: OutgoingAttachment, signal: AbortSignal | undefined): Promise<void> {
    if (this.closeReason) throw this.closeReason;
    const { options } = this.init;
    try {
      await sendAttachment(
        {
          peer: this.peer,
          transportName: this.init.transportName,
          control: this.writer,
          lanes: this.lanes,
          pieceBytes: options.fileMessageBytes,
          envelopePieceBytes: options.chunkBytes,
          windowBytes: options.fileWindowBytes,
          answerTimeoutMs: options.sendTimeoutMs,
          stallTimeoutMs: options.fileStallTimeoutMs,
          register: (id, onFrame) => {
            if (this.fileSenders.has(id)) {
              throw new WebrtcTransportError(`attachment ${id} is already being sent to ${this.peer}`, { transport: this.init.transportName, retryable: true });
            }
            this.fileSenders.set(id, onFrame);
            return () => this.fileSenders.delete(id);
          },
          onClose: (listener) => {
            if (this.closeReason) {
              queueMicrotask(() => listener(this.closeReason!));
              return () => undefined;
            }
            this.closedWaiters.add(listener);
            return () => this.closedWaiters.delete(listener);
          },
        },
        bytes,
        attachment,
        signal,
      );
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.violation(error);
      throw unavailable(this.init.transportName, `${this.peer} broke the file protocol: ${error.message}`, error);
    }
  }

  /** Resolves once the attachments this link was receiving are flushed to the spool (after close). */
  settled(): Promise<void> {
    return this.filesSettled;
  }

  /** Ends the link (idempotent). `bye` tells the peer first, so it drops its side at once. */
  close(reason: Error, bye = false): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    this.linkState = 'closed';
    clearTimeout(this.connectTimer);
    clearInterval(this.pingTimer);
    if (bye) this.writer.writeControl(encodeBye());
    this.writer.close();
    for (const lane of this.lanes) lane.close();
    this.filesSettled = this.fileReceiver.closeAll();
    this.markFailed(reason);
    for (const pending of this.pendingAcks.values()) pending.reject(reason instanceof LinkClosedError ? reason : new LinkClosedError(reason.message));
    this.pendingAcks.clear();
    for (const waiter of this.closedWaiters) waiter(reason);
    this.closedWaiters.clear();
    this.init.onClosed(this);
    // Let the BYE leave before SCTP and DTLS are torn down.
    setTimeout(() => void this.connection.close().catch(() => undefined), bye ? 20 : 0);
  }

  private localSdp(): string {
    const sdp = this.connection.localDescription?.sdp;
    if (sdp === undefined) throw new LinkClosedError('no local description');
    return filterCandidates(sdp, this.init.options);
  }

  /** A window slot, or the close reason if the link closes while waiting for one. */
  private async acquireSlot(signal: AbortSignal | undefined): Promise<void> {
    let onClose: ((error: Error) => void) | undefined;
    const closed = new Promise<never>((_, reject) => this.closedWaiters.add((onClose = reject)));
    const acquiring = this.window.acquire(signal);
    try {
      await Promise.race([acquiring, closed]);
    } catch (error) {
      // A slot granted after the link closed is handed back.
      acquiring.then(() => this.window.release(), () => undefined);
      throw error;
    } finally {
      this.closedWaiters.delete(onClose!);
    }
  }

  private onOpen(): void {
    if (this.closeReason) return;
    clearTimeout(this.connectTimer);
    this.linkState = 'open';
    this.markOpen();
    this.ping();
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) {
        this.close(new LinkClosedError(`${this.peer} stopped answering pings`));
        return;
      }
      this.ping();
    }, this.init.options.pingIntervalMs);
    this.pingTimer.unref();
  }

  private ping(): void {
    this.awaitingPong = true;
    this.writer.writeControl(encodePing(performance.now()));
  }

  private onMessage(data: string | Buffer): void {
    if (this.closeReason) return;
    let frame: Frame;
    try {
      if (typeof data === 'string') throw new Error('text message on the data channel');
      frame = decodeFrame(data);
      if (frame.type === 'chunk') {
        const envelope = this.reassembler.push(frame);
        if (envelope) this.receive(envelope.sequence, envelope.bytes);
        return;
      }
      if (frame.type === 'file-data') throw new FrameError('FILE_DATA on channel 0 (it goes on the file lanes)');
    } catch (error) {
      this.violation(error);
      return;
    }
    switch (frame.type) {
      case 'file-offer':
      case 'file-envelope':
      case 'file-cancel':
        this.fileReceiver.onControl(frame);
        break;
      case 'file-need':
      case 'file-have':
      case 'file-done':
      case 'file-reject':
        // Frames for a transfer that already ended (a late FILE_HAVE) are dropped.
        this.fileSenders.get(frame.id)?.(frame);
        break;
      case 'ack':
        for (const sequence of frame.sequences) this.pendingAcks.get(sequence)?.resolve();
        break;
      case 'ping':
        this.writer.writeControl(encodePong(frame.time));
        break;
      case 'pong':
        this.awaitingPong = false;
        this.rtt = Math.max(0, performance.now() - frame.time);
        break;
      case 'bye':
        this.close(new LinkClosedError(`${this.peer} closed the link`));
        break;
    }
  }

  private onLaneMessage(data: string | Buffer): void {
    if (this.closeReason) return;
    try {
      if (typeof data === 'string') throw new FrameError('text message on a file lane');
      const frame = decodeFrame(data);
      if (frame.type !== 'file-data') throw new FrameError(`${frame.type} on a file lane (only FILE_DATA goes there)`);
      this.fileReceiver.onData(frame);
    } catch (error) {
      this.violation(error);
    }
  }

  private violation(error: unknown): void {
    this.init.logger.warn('the peer broke the data-channel protocol; closing the link', {
      transport: this.init.transportName,
      peer: this.peer,
      error: error instanceof Error ? error.message : String(error),
    });
    // BYE: the peer drops its side at once and negotiates afresh, instead of waiting for pings.
    this.close(new LinkClosedError('protocol violation by the peer'), true);
  }

  private receive(sequence: number, bytes: Uint8Array): void {
    this.heldAcks++;
    if (this.heldAcks > MAX_HELD_ACKS) {
      this.close(new LinkClosedError(`${this.peer} ignored flow control (${MAX_HELD_ACKS} unacknowledged envelopes)`));
      return;
    }
    let acknowledged = false;
    this.init.onEnvelope(bytes, () => {
      if (acknowledged) return;
      acknowledged = true;
      this.heldAcks--;
      this.ackBatch.push(sequence);
      if (this.ackBatch.length === 1) setImmediate(() => this.flushAcks());
    });
  }

  private flushAcks(): void {
    const sequences = this.ackBatch;
    this.ackBatch = [];
    for (let start = 0; start < sequences.length; start += MAX_ACKS) this.writer.writeControl(encodeAck(sequences.slice(start, start + MAX_ACKS)));
  }

  private takeSequence(): number {
    const sequence = this.nextSequence;
    this.nextSequence = sequence >= MAX_SEQUENCE ? 1 : sequence + 1;
    return sequence;
  }
}
