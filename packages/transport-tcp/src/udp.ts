/**
 * Optional UDP: an envelope that fits one datagram is sent as that datagram, and the
 * receiver acks it with `OK <digest>` (the first 128 bits of its SHA-256, hex) to the
 * sending port. No ack within udpAckTimeoutMs: the sender falls back to TCP (the envelope
 * may then arrive twice; the receiver deduplicates by envelope_id). The ack is smaller
 * than the datagram it answers, so the listener cannot be used to amplify traffic.
 */
import { createHash } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from '@skcomm/core';
import type { HostPort } from './address.js';
import type { FrameSink } from './inbound-connection.js';

export function datagramDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

function socketType(host: string): 'udp4' | 'udp6' {
  return isIP(host) === 6 ? 'udp6' : 'udp4';
}

/** Receives envelopes as datagrams on the listen address and acks each one queued. */
export class UdpReceiver {
  private readonly socket: Socket;

  constructor(host: string, sink: FrameSink, maxFrameBytes: number, logger: Logger) {
    this.socket = createSocket({ type: socketType(host) });
    this.socket.on('error', (error) => logger.warn('tcp transport: udp receiver error', { error: error.message }));
    this.socket.on('message', (message: Buffer, remote: RemoteInfo) => {
      if (message.length === 0 || message.length > maxFrameBytes) {
        logger.debug('tcp transport: datagram ignored', { source: `${remote.address}:${remote.port}`, bytes: message.length });
        return;
      }
      const bytes = new Uint8Array(message);
      // Queue full: no ack, so the sender falls back to TCP, which waits for room.
      if (!sink.tryAccept(bytes, `udp:${remote.address}:${remote.port}`)) return;
      this.socket.send(`OK ${datagramDigest(bytes)}`, remote.port, remote.address);
    });
  }

  bind(address: HostPort): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind({ address: address.host, port: address.port, exclusive: true }, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/** Sends datagrams from an ephemeral port and waits for their acks. */
export class UdpSender {
  private readonly sockets = new Map<'udp4' | 'udp6', Socket>();
  private readonly waiting = new Map<string, Set<(port: number) => void>>();
  /** Peers that did not answer a datagram: TCP only, until this time. */
  private readonly silentUntil = new Map<string, number>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** True while a peer's UDP went unanswered recently. */
  isSilent(key: string): boolean {
    const until = this.silentUntil.get(key);
    if (until === undefined) return false;
    if (Date.now() < until) return true;
    this.silentUntil.delete(key);
    return false;
  }

  markSilent(key: string, forMs: number): void {
    this.silentUntil.set(key, Date.now() + forMs);
  }

  /** Sends one datagram; true when its ack came back within `timeoutMs`. Never throws for network trouble. */
  async send(bytes: Uint8Array, target: HostPort, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const socket = this.socketFor(socketType(target.host));
    const digest = datagramDigest(bytes);
    let settle: (acked: boolean) => void = () => undefined;
    const acked = new Promise<boolean>((resolve) => (settle = resolve));
    const onAck = (port: number) => {
      if (port === target.port) settle(true);
    };
    const waiters = this.waiting.get(digest) ?? new Set();
    waiters.add(onAck);
    this.waiting.set(digest, waiters);
    const timer = setTimeout(() => settle(false), timeoutMs);
    const onAbort = () => settle(false);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.send(bytes, target.port, target.host, (error) => {
      if (error) {
        this.logger.debug('tcp transport: datagram not sent', { error: error.message });
        settle(false);
      }
    });
    try {
      return await acked;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      waiters.delete(onAck);
      if (waiters.size === 0) this.waiting.delete(digest);
    }
  }

  close(): void {
    for (const socket of this.sockets.values()) socket.close();
    this.sockets.clear();
  }

  private socketFor(type: 'udp4' | 'udp6'): Socket {
    let socket = this.sockets.get(type);
    if (socket !== undefined) return socket;
    socket = createSocket({ type });
    socket.on('error', (error) => this.logger.debug('tcp transport: udp sender error', { error: error.message }));
    socket.on('message', (message: Buffer, remote: RemoteInfo) => {
      const match = /^OK ([0-9a-f]{32})$/.exec(message.toString('latin1'));
      if (match === null) return;
      for (const waiter of this.waiting.get(match[1]!) ?? []) waiter(remote.port);
    });
    socket.unref();
    this.sockets.set(type, socket);
    return socket;
  }
}
